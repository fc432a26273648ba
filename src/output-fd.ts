/**
 * An open file descriptor as execa's `stdout`/`stderr` option: the child inherits it and writes
 * the file itself, so its output does not pass through factory and goes on after factory exits
 * (a detached server, a background resume). execa hands any descriptor to spawn unchanged, but its
 * types list only the literals 3 to 9, and an open log file's number is often higher.
 */
export function outputFd(fd: number): 3 {
  if (!Number.isInteger(fd) || fd < 0) throw new TypeError(`not a file descriptor: ${fd}`);
  return fd as 3;
}

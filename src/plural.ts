/**
 * "1 file", "2 files", "1 idle minute": the one way factory counts things in a sentence.
 * `many` is for words that do not just take an s.
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The secret a factory server's clients must show (`Authorization: Bearer …`). A new one at every
 * start, kept only in the server's state file (mode 0600): whoever can read that file is the
 * user, anyone else (another local user, a web page in the user's browser) cannot.
 */
export function newFrontToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Compares in constant time. Both sides are hashed first so that neither the length nor the
 * first differing byte of the secret shows in the time taken.
 */
export function sameToken(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of `Authorization: Bearer <token>`, or undefined when the header has no bearer token. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return m?.[1];
}

/**
 * Places under $HOME that hold credentials. bwrap hides all of $HOME anyway; Seatbelt denies reads
 * of these; and bwrap never re-exposes them on its own (a PATH folder inside one stays hidden).
 * Listing one in `sandbox.readable` is the only way in.
 */
export const SECRET_HOME_PATHS = [
  '.ssh',
  '.aws',
  '.azure',
  '.config/gcloud',
  '.config/gh',
  '.config/hub',
  '.gnupg',
  '.kube',
  '.docker',
  '.netrc',
  '.git-credentials',
  '.pgpass',
  '.npmrc',
  '.pypirc',
  '.cargo/credentials',
  '.cargo/credentials.toml',
  '.password-store',
  '.local/share/keyrings',
  'Library/Keychains',
];

/**
 * Finds the system's Chromium or Chrome for the visual check. factory never downloads a browser:
 * it uses the one the user has, or says how to install one.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { refuse } from '../errors.js';

/** Names tried on PATH, in order. */
export const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Where macOS keeps the apps when they are not on PATH. */
export const MAC_APP_PATHS = [
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export interface FindBrowserEnv {
  /** The search path; process.env.PATH by default. */
  PATH?: string;
  platform?: NodeJS.Platform;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The command that installs Chromium on this platform. */
export function installHint(platform: NodeJS.Platform): string {
  return platform === 'darwin'
    ? 'install Chromium with `brew install --cask chromium`, or set visual.browser to your Chrome'
    : 'install Chromium with `sudo apt-get install chromium` (Debian/Ubuntu), or set visual.browser to your Chrome';
}

/**
 * The browser to drive: `configured` (visual.browser) when given, which must be an executable
 * file; else the first of BROWSER_NAMES on PATH, then (macOS) the usual app paths. Refuses with
 * the install command when there is none.
 */
export function findBrowser(configured?: string, env: FindBrowserEnv = {}): string {
  const platform = env.platform ?? process.platform;
  if (configured !== undefined) {
    const file = path.resolve(configured);
    if (!isExecutableFile(file))
      throw refuse(
        `visual.browser: ${file} is not an executable file`,
        `point it at Chromium or Chrome, or remove it to use the one on PATH; ${installHint(platform)}`,
      );
    return file;
  }
  const dirs = (env.PATH ?? process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of BROWSER_NAMES)
    for (const dir of dirs) {
      const file = path.resolve(dir, name);
      if (isExecutableFile(file)) return file;
    }
  if (platform === 'darwin') for (const file of MAC_APP_PATHS) if (isExecutableFile(file)) return file;
  throw refuse(
    `no Chromium or Chrome found for the visual check (looked for ${BROWSER_NAMES.join(', ')} on PATH)`,
    installHint(platform),
  );
}

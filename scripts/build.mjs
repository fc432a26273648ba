// The published CLI: one ESM bundle per entry (dist/cli/main.js, the bin, and
// dist/scripted-server/cli.js, the demo model), with each command and everything only some
// commands need (Ink, React, openai, yaml, the agent loop) in chunks under dist/chunks/, loaded
// by dynamic import(). Dependencies are bundled too, so an installed factory reads a few files,
// not hundreds, and the package has no runtime dependency: installing it fetches nothing and runs
// no script. Plain JS, so it runs without tsx (`npm run build`; `prepack` before `npm pack`).
// Usage: node scripts/build.mjs [--metafile]   (--metafile writes dist/meta.json for analysis)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');

/**
 * `import { z } from 'zod'` hands the bundler zod's whole namespace object, which it cannot
 * shake. Our own files get zod's classic API as a namespace import instead, whose unused members
 * (most schema kinds, JSON Schema import, every locale but English) are dropped: less than a
 * quarter of zod is left to load on every command.
 */
const zodApi = path.join(
  path.dirname(createRequire(import.meta.url).resolve('zod/package.json')),
  'v4/classic/external.js',
);
const ZOD_IMPORT = /^import \{ z \} from 'zod';$/m;
const zodShakable = {
  name: 'zod-shakable',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.tsx?$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!ZOD_IMPORT.test(text)) return undefined;
      const contents = text.replace(ZOD_IMPORT, `import * as z from ${JSON.stringify(zodApi)};`);
      return { contents, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
    });
  },
};

/**
 * Yoga (Ink's layout engine) ships its WebAssembly as a base64 data: URL, which it reads with
 * fetch() (loading Node's whole fetch implementation for it) or else with atob() and a loop over
 * every character: tens of milliseconds before `factory review` can draw. Buffer decodes it
 * natively. Should a new Yoga change that code, the build says so and keeps Yoga as it is.
 */
const YOGA_PATCHES = [
  ['function ya(){return w||"function"!=typeof fetch?', 'function ya(){return w||!0?'],
  [
    'var b=xa(a.slice(37)),c=new Uint8Array(b.length);for(a=0;a<b.length;++a)c[a]=b.charCodeAt(a);var d=c',
    'var d=new Uint8Array(Buffer.from(a.slice(37),"base64"))',
  ],
];
const yogaNativeBase64 = {
  name: 'yoga-native-base64',
  setup(b) {
    b.onLoad({ filter: /[\\/]yoga-layout[\\/].*yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!YOGA_PATCHES.every(([from]) => text.includes(from))) {
        process.stderr.write(`build: ${args.path} changed; its wasm is loaded the slow way\n`);
        return undefined;
      }
      return { contents: YOGA_PATCHES.reduce((t, [from, to]) => t.replace(from, to), text), loader: 'js' };
    });
  },
};

/**
 * Ink measures and tokenizes every line of every frame (string-width, @alcalzone/ansi-tokenize).
 * Two of their costs fall on the first frame of `factory review` and buy nothing for it:
 * - string-width tests each non-ASCII character (the list's `›`) against `^\p{RGI_Emoji}$`, and
 *   compiling that regex alone took about as long as drawing the frame. No single character
 *   below U+231A is an RGI emoji (the build checks it), so such a character skips the test.
 * - ansi-tokenize splits every line into graphemes with Intl.Segmenter. In a line of printable
 *   ASCII and escape codes each character is a grapheme, so it is split by a plain loop.
 * As with Yoga, a changed file is left as it is, and the build says so.
 */
const FIRST_EMOJI = 0x231a;
function checkFirstEmoji() {
  const rgi = new RegExp('^\\p{RGI_Emoji}$', 'v');
  for (let c = 0; c < FIRST_EMOJI; c++) if (rgi.test(String.fromCharCode(c))) return false;
  return true;
}
const INK_TEXT_PATCHES = [
  {
    file: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/,
    // Older string-width (wrap-ansi's own copy) has no such regex: nothing to do there.
    marker: 'rgiEmojiRegex',
    ok: checkFirstEmoji,
    patches: [
      [
        'if (rgiEmojiRegex.test(segment) || isDoubleWidthNonRgiEmojiSequence(segment)) {',
        `if (((segment.length > 1 || segment.charCodeAt(0) >= ${FIRST_EMOJI}) && rgiEmojiRegex.test(segment)) || isDoubleWidthNonRgiEmojiSequence(segment)) {`,
      ],
    ],
  },
  {
    file: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize\.js$/,
    marker: 'segmenter',
    ok: () => true,
    patches: [
      [
        'for (const { segment, index } of segmenter.segment(str)) {',
        'for (const { segment, index } of graphemesOf(str)) {',
      ],
      [
        'export function tokenize(',
        'const PLAIN_TEXT = /^[\\x1b\\x20-\\x7e]*$/;\n' +
          'function graphemesOf(str) {\n' +
          '  if (!PLAIN_TEXT.test(str)) return segmenter.segment(str);\n' +
          '  const out = new Array(str.length);\n' +
          '  for (let i = 0; i < str.length; i++) out[i] = { segment: str[i], index: i };\n' +
          '  return out;\n' +
          '}\n' +
          'export function tokenize(',
      ],
    ],
  },
];
// Ink's frame is a grid of cells, most of them unstyled blanks, and every cell's styles go
// through these two: with no style at all they build Sets and arrays to say "nothing".
INK_TEXT_PATCHES.push(
  {
    file: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]diff\.js$/,
    marker: 'diffAnsiCodes',
    ok: () => true,
    patches: [
      [
        'export function diffAnsiCodes(from, to) {',
        'export function diffAnsiCodes(from, to) {\n    if (from.length === 0 && to.length === 0) return [];',
      ],
    ],
  },
  {
    file: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]ansiCodes\.js$/,
    marker: 'ansiCodesToString',
    ok: () => true,
    patches: [
      [
        'export function ansiCodesToString(codes) {',
        'export function ansiCodesToString(codes) {\n    if (codes.length === 0) return "";',
      ],
    ],
  },
);
const inkTextFast = {
  name: 'ink-text-fast',
  setup(b) {
    for (const { file, marker, ok, patches } of INK_TEXT_PATCHES)
      b.onLoad({ filter: file }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes(marker)) return undefined;
        if (!patches.every(([from]) => text.includes(from)) || !ok()) {
          process.stderr.write(`build: ${args.path} changed; Ink measures its text the slow way\n`);
          return undefined;
        }
        return { contents: patches.reduce((t, [from, to]) => t.replace(from, to), text), loader: 'js' };
      });
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  splitting: true,
  // React picks its production build: the development build is far larger and slower to load
  // and render, and a user's NODE_ENV must not change how factory's screens behave.
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink imports react-devtools-core only when DEV=true. It is an optional peer dependency that
  // factory does not install, so it stays an import that fails as it would unbundled (splitting
  // keeps Ink's devtools module, which imports it, in a chunk of its own that nothing else loads).
  external: ['react-devtools-core'],
  plugins: [zodShakable, yogaNativeBase64, inkTextFast],
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
};

/**
 * CommonJS dependencies (commander, simple-git, React, tmp) reach Node's own modules through
 * esbuild's `__require`, which needs a `require` in scope; an ESM file has none. Only the files
 * that mention it get one: each createRequire() costs start-up time.
 */
const REQUIRE_SHIM =
  "import { createRequire as __factoryCreateRequire } from 'node:module';\n" +
  'const require = __factoryCreateRequire(import.meta.url);\n';

async function writeOutputs(files) {
  for (const f of files) {
    let text = f.text;
    if (/\brequire\b/.test(text)) {
      const shebang = text.startsWith('#!') ? text.slice(0, text.indexOf('\n') + 1) : '';
      text = shebang + REQUIRE_SHIM + text.slice(shebang.length);
    }
    await mkdir(path.dirname(f.path), { recursive: true });
    await writeFile(f.path, text);
  }
}

/**
 * Bundles a build-time script from src/ into a throwaway folder inside dist/ (so packageRoot()
 * finds package.json above it) and runs it.
 */
async function runScript(entry, ...args) {
  const tmp = await mkdtemp(path.join(dist, '.build-'));
  try {
    await writeOutputs((await build({ ...common, entryPoints: { script: entry }, outdir: tmp })).outputFiles);
    execFileSync(process.execPath, [path.join(tmp, 'script.js'), ...args], { stdio: 'inherit' });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function main() {
  // Stale chunks of an earlier build (or tsc's per-file output) must not ship.
  await rm(dist, { recursive: true, force: true });
  const result = await build({
    ...common,
    entryPoints: {
      'cli/main': 'src/cli/main.ts',
      'scripted-server/cli': 'src/scripted-server/cli.ts',
    },
    outdir: 'dist',
    entryNames: '[dir]/[name]',
    chunkNames: 'chunks/[name]-[hash]',
    metafile: process.argv.includes('--metafile'),
  });
  await writeOutputs(result.outputFiles);
  const main = path.join(dist, 'cli/main.js');
  if (!(await readFile(main, 'utf8')).startsWith('#!')) throw new Error('dist/cli/main.js lost its #! line');
  await chmod(main, 0o755);
  if (result.metafile) await writeFile(path.join(dist, 'meta.json'), JSON.stringify(result.metafile));
  await runScript('src/cli/write-command-list.ts', path.join(dist, 'cli/commands.json'));
  await runScript('src/config/write-json-schema.ts');
}

await main();

// The published CLI: one ESM bundle per entry (dist/cli/main.js, the bin, and
// dist/scripted-server/cli.js, the demo model), with each command and everything only some
// commands need (Ink, React, openai, yaml, the agent loop) in chunks under dist/chunks/, loaded
// by dynamic import(). Dependencies are bundled too, so an installed factory reads a few files,
// not hundreds; the one runtime dependency is playwright-core (see `external` below), which
// installs no browser and runs no script. Plain JS, so it runs without tsx (`npm run build`;
// `prepack` before `npm pack`).
// Usage: node scripts/build.mjs [--metafile]   (--metafile writes dist/meta.json for analysis)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
 * Their costs on the first frame of `factory review` buy nothing for it:
 * - string-width tests each non-ASCII grapheme against `^\p{RGI_Emoji}$`: building that regex
 *   takes ~10 ms at load and its first test ~40 ms more (the list's `│` was enough). A one-character
 *   grapheme is an RGI emoji only if it is one of the few BMP characters the build finds that
 *   match it, so only longer graphemes still need the regex, built on its first use.
 * - Both split their text into graphemes with Intl.Segmenter (and creating the first one costs
 *   ~15 ms). In a line of printable ASCII and the characters `narrowAlone()` lists (`·│…›─`,
 *   arrows, box drawing, Latin and Greek letters...) each character is a grapheme of its own and
 *   one column wide: string-width's width is the length, and ansi-tokenize splits it with a loop.
 *   The segmenters are created on first use, so a frame of such text never creates one.
 * As with Yoga, a changed file is left as it is, and the build says so.
 */
const segmenterSeen = new Intl.Segmenter();
const graphemes = (s) => [...segmenterSeen.segment(s)].length;

/** The BMP characters that alone match `^\p{RGI_Emoji}$` (about 60, all above U+2319). */
function rgiSingles() {
  const rgi = new RegExp('^\\p{RGI_Emoji}$', 'v');
  const out = [];
  for (let c = 0; c < 0x10000; c++) if (rgi.test(String.fromCharCode(c))) out.push(c);
  return out;
}

/**
 * A regex character class of the BMP characters (Latin, Greek, Cyrillic, punctuation, symbols,
 * arrows, box drawing) that are a grapheme of their own next to anything (no mark, joiner,
 * prepended or Hangul character, no emoji) and that the given string-width and slice-ansi measure
 * as one column: a string of them and printable ASCII is as wide as it is long.
 */
const narrowAloneMemo = new Map();
function narrowAlone(stringWidthFile) {
  if (!narrowAloneMemo.has(stringWidthFile))
    narrowAloneMemo.set(
      stringWidthFile,
      Promise.all([import(pathToFileURL(stringWidthFile).href), import('slice-ansi')]).then(([sw, sa]) => {
        const [stringWidth, sliceAnsi] = [sw.default, sa.default];
        const special =
          /[\p{M}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Cs}\p{Extended_Pictographic}\p{Emoji_Presentation}\p{Regional_Indicator}]/u;
        const ranges = [];
        for (const [lo, hi] of [
          [0xa0, 0x52f],
          [0x2000, 0x2bff],
        ])
          for (let c = lo; c <= hi; c++) {
            const ch = String.fromCharCode(c);
            if (special.test(ch) || stringWidth(ch) !== 1) continue;
            // slice-ansi (Ink's clipping) counts it as one column too.
            if (sliceAnsi(`a${ch}b`, 1, 2) !== ch) continue;
            if (graphemes('a' + ch) !== 2 || graphemes(ch + 'a') !== 2 || graphemes(ch + ch) !== 2) continue;
            const last = ranges.at(-1);
            if (last && last[1] === c - 1) last[1] = c;
            else ranges.push([c, c]);
          }
        const hex = (c) => `\\u${c.toString(16).padStart(4, '0')}`;
        return ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('');
      }),
    );
  return narrowAloneMemo.get(stringWidthFile);
}
const stringWidthFile = () => fileURLToPath(import.meta.resolve('string-width'));

/** `const name = new Intl.Segmenter(...)` becomes an object whose segment() creates it on first use. */
const SEGMENTER = /^(const|var|let) (\w+) = new Intl\.Segmenter\(([^)]*)\);$/m;
function lazySegmenter(text) {
  const m = SEGMENTER.exec(text);
  if (!m) return null;
  const [line, , name, args] = m;
  // Every other use must be name.segment(...), the one method the stand-in has (or in a comment).
  const code = text
    .split('\n')
    .filter((l) => l !== line && !/^\s*(\/\/|\*|\/\*)/.test(l))
    .join('\n');
  const uses = code.match(new RegExp(`\\b${name}\\b(\\.\\w+\\()?`, 'g')) ?? [];
  if (!uses.every((u) => u === `${name}.segment(`)) return null;
  return [
    line,
    `let ${name}Created;\nconst ${name} = { segment: (s) => (${name}Created ??= new Intl.Segmenter(${args})).segment(s) };`,
  ];
}

const INK_TEXT_PATCHES = [
  {
    file: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/,
    // Older string-width (wrap-ansi's own copy) has no such regex: only its segmenter is lazy.
    marker: 'rgiEmojiRegex',
    patches: async (file, text) => [
      lazySegmenter(text),
      [
        'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;',
        'let rgiEmojiRegexBuilt;\n' +
          "const rgiEmojiRegex = { test: (s) => (rgiEmojiRegexBuilt ??= new RegExp('^\\\\p{RGI_Emoji}$', 'v')).test(s) };\n" +
          `const RGI_EMOJI_SINGLES = new Set(${JSON.stringify(rgiSingles())});\n` +
          `const NARROW_ALONE = /^[\\u0020-\\u007e${await narrowAlone(file)}]*$/;`,
      ],
      [
        'if (/^[\\u0020-\\u007E]*$/.test(string)) {',
        'if (/^[\\u0020-\\u007E]*$/.test(string) || (ambiguousIsNarrow && NARROW_ALONE.test(string))) {',
      ],
      [
        'if (rgiEmojiRegex.test(segment) || isDoubleWidthNonRgiEmojiSequence(segment)) {',
        'if ((segment.length === 1 ? RGI_EMOJI_SINGLES.has(segment.charCodeAt(0)) : rgiEmojiRegex.test(segment)) || isDoubleWidthNonRgiEmojiSequence(segment)) {',
      ],
    ],
  },
  {
    file: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/,
    marker: 'emoji-regex',
    patches: async (file, text) => [lazySegmenter(text)],
  },
  {
    // Ink clips each line of a box with slice-ansi, which splits it into graphemes too.
    file: /[\\/]node_modules[\\/]slice-ansi[\\/]tokenize-ansi\.js$/,
    marker: 'GRAPHEME_SEGMENTER',
    patches: async (file, text) => [
      lazySegmenter(text),
      [
        'function parseCharacterTokenWithRawSegmentation(',
        `const PLAIN_TEXT = /^[\\x1b\\x20-\\x7e${await narrowAlone(stringWidthFile())}]*$/;\n` +
          '// Stands in for Intl.Segmenter().segment(string) where each character is a grapheme.\n' +
          'function eachCharAlone(string) {\n' +
          '  return { containing: (index) => (index >= 0 && index < string.length ? { segment: string[index], index, input: string } : undefined) };\n' +
          '}\n' +
          'function parseCharacterTokenWithRawSegmentation(',
      ],
      [
        'const graphemeSegments = GRAPHEME_SEGMENTER.segment(string);',
        'const graphemeSegments = PLAIN_TEXT.test(string) ? eachCharAlone(string) : GRAPHEME_SEGMENTER.segment(string);',
      ],
      [
        'function areValuesInSameGrapheme(leftValue, rightValue) {\n\tconst pair = `${leftValue}${rightValue}`;',
        'function areValuesInSameGrapheme(leftValue, rightValue) {\n\tconst pair = `${leftValue}${rightValue}`;\n\tif (PLAIN_TEXT.test(pair)) return false;',
      ],
    ],
  },
  {
    file: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize\.js$/,
    marker: 'segmenter',
    patches: async (file, text) => [
      lazySegmenter(text),
      [
        'for (const { segment, index } of segmenter.segment(str)) {',
        'for (const { segment, index } of graphemesOf(str)) {',
      ],
      [
        'export function tokenize(',
        `const PLAIN_TEXT = /^[\\x1b\\x20-\\x7e${await narrowAlone(stringWidthFile())}]*$/;\n` +
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
// Ink clips every line of a box with `overflow="hidden"` (the review's body and footer) through
// slice-ansi, even a line that fits whole. A line of printable ASCII, `narrowAlone()` characters
// and SGR colour codes is one column per character to both string-width and slice-ansi, so a
// slice from 0 to its width is the line itself (a tab, a zero-width or an unknown character
// still goes through slice-ansi, which may differ from string-width there).
INK_TEXT_PATCHES.push({
  file: /[\\/]node_modules[\\/]ink[\\/]build[\\/]output\.js$/,
  marker: 'sliceAnsi',
  patches: async () => [
    [
      "import sliceAnsi from 'slice-ansi';",
      "import sliceAnsi from 'slice-ansi';\n" +
        `const WHOLE_LINE = /^(?:[\\x20-\\x7e${await narrowAlone(stringWidthFile())}]|\\x1b\\[[0-9;]*m)*$/;`,
    ],
    [
      'return sliceAnsi(line, from, to);',
      'return from === 0 && to === width && WHOLE_LINE.test(line) ? line : sliceAnsi(line, from, to);',
    ],
  ],
});
// Ink's frame is a grid of cells, most of them unstyled blanks, and every cell's styles go
// through these two: with no style at all they build Sets and arrays to say "nothing".
INK_TEXT_PATCHES.push(
  {
    file: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]diff\.js$/,
    marker: 'diffAnsiCodes',
    patches: async () => [
      [
        'export function diffAnsiCodes(from, to) {',
        'export function diffAnsiCodes(from, to) {\n    if (from.length === 0 && to.length === 0) return [];',
      ],
    ],
  },
  {
    file: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]ansiCodes\.js$/,
    marker: 'ansiCodesToString',
    patches: async () => [
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
    // Two entries may match one file (both string-widths): the one whose marker it has applies.
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.js$/ }, async (args) => {
      const entry = INK_TEXT_PATCHES.find((e) => e.file.test(args.path));
      if (!entry) return undefined;
      const text = await readFile(args.path, 'utf8');
      const own = INK_TEXT_PATCHES.find((e) => e.file.test(args.path) && text.includes(e.marker));
      if (!own) return undefined;
      const patches = await own.patches(args.path, text);
      if (!patches.every((p) => p && text.includes(p[0]))) {
        process.stderr.write(`build: ${args.path} changed; Ink measures its text the slow way\n`);
        return undefined;
      }
      // A function, so that a `$'` in the new text is not read as a replacement pattern.
      return { contents: patches.reduce((t, [from, to]) => t.replace(from, () => to), text), loader: 'js' };
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
  // playwright-core (the visual check's browser driver, 7 MB of code) stays a dependency, loaded
  // by a dynamic import only when a capture runs; bundled, its requires of files next to it
  // (`./bootstrap`, a wasm codec) would break.
  external: ['react-devtools-core', 'playwright-core'],
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

/**
 * The published CLI is a bundle (scripts/build.mjs): one entry, dist/cli/main.js, that loads each
 * command's code, and the heavy dependencies only the commands that draw or talk to a model need,
 * from chunks in dist/chunks/. What each command loads is read off the bundle itself: a loader
 * hook records every file node loads, and esbuild's `// path` comments say which packages and
 * source folders a chunk holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cleanupTemps, makeRepo, projectRoot, runCli, tempDir } from '../helpers/git-repo.js';
import { builtCli, ensureBuilt, runBuilt } from '../helpers/built-cli.js';
import { taskWithAttempts } from '../helpers/engine.js';

const dist = path.join(projectRoot, 'dist');
let repo = '';
let hooks = '';

beforeAll(async () => {
  await ensureBuilt();
  repo = await makeRepo({ 'a.txt': 'a\n' });
  await taskWithAttempts(repo, 'first task', [{ files: { 'a.txt': 'b\n' }, exit: 0 }]);
  const dir = await tempDir('factory-hooks-');
  // Module hooks run in their own thread: each loaded file URL is appended to $LOADED_LOG.
  await writeFile(
    path.join(dir, 'hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\n" +
      'export async function load(url, context, next) {\n' +
      "  appendFileSync(process.env.LOADED_LOG, url + '\\n');\n" +
      '  return next(url, context);\n' +
      '}\n',
  );
  hooks = path.join(dir, 'register.mjs');
  await writeFile(
    hooks,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`,
  );
}, 120_000);

afterAll(cleanupTemps);

interface Loaded {
  files: string[];
  /** npm packages whose code was loaded. */
  packages: Set<string>;
  /** Source files whose code was loaded (src/cli/main.ts, …). */
  src: Set<string>;
}

/** Runs the built CLI and reports which bundle files, packages and source folders it loaded. */
async function loadedBy(args: string[]): Promise<Loaded> {
  const log = path.join(await tempDir('factory-loaded-'), 'loaded.txt');
  const r = spawnSync(process.execPath, ['--import', hooks, builtCli, ...args], {
    cwd: repo,
    env: { ...process.env, LOADED_LOG: log, NO_COLOR: '1', XDG_CONFIG_HOME: path.join(repo, '.none') },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  const files = readFileSync(log, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'))
    .map((u) => fileURLToPath(u))
    .filter((f) => f.startsWith(dist + path.sep));
  const packages = new Set<string>();
  const src = new Set<string>();
  for (const f of files)
    for (const [, p] of readFileSync(f, 'utf8').matchAll(/^\/\/ (\S+)$/gm)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p!);
      if (pkg) packages.add(pkg[1]!);
      else if (p!.startsWith('src/')) src.add(p!);
    }
  return { files, packages, src };
}

const HEAVY = ['ink', 'react', 'react-reconciler', 'yoga-layout', 'openai', 'yaml'];

describe('the bundle', () => {
  it('is one executable entry with a #! line, the demo model entry and chunks; nothing of tsc', () => {
    expect(readFileSync(builtCli, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(statSync(builtCli).mode & 0o755).toBe(0o755);
    expect(existsSync(path.join(dist, 'scripted-server/cli.js'))).toBe(true);
    expect(readdirSync(path.join(dist, 'chunks')).length).toBeGreaterThan(5);
    expect(readdirSync(dist).sort()).toEqual(['chunks', 'cli', 'scripted-server']);
    expect(JSON.parse(readFileSync(path.join(projectRoot, 'schema.json'), 'utf8')).title).toContain(
      'factory',
    );
  });

  it('--help lists every command without loading them, exactly as the full program does', async () => {
    const brief = await runBuilt(repo, ['--help']);
    const full = await runCli(repo, ['--help']); // from src/: every command module loaded
    expect(brief.code).toBe(0);
    expect(brief.stdout).toBe(full.stdout);
    for (const c of ['demo', 'task', 'list|ls [options]', 'show [options] <task>', 'review'])
      expect(brief.stdout).toContain(c);
    const version = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).version;
    expect((await runBuilt(repo, ['-V'])).stdout.trim()).toBe(version);
    const loaded = await loadedBy(['--help']);
    expect([...loaded.packages]).toEqual(['commander']);
    expect([...loaded.src].filter((f) => f.startsWith('src/cli/commands/'))).toEqual([]);
  });

  it('a command loads only its own module: list, show and diff load no Ink, React, openai or yaml', async () => {
    // The first list after a branch moved counts its lines with git (then cached): not this one.
    expect((await runBuilt(repo, ['list'])).code).toBe(0);
    for (const args of [['list'], ['ls'], ['show', '1'], ['diff', '1', '--stat']]) {
      const loaded = await loadedBy(args);
      for (const heavy of HEAVY)
        expect(loaded.packages, `${args.join(' ')} loaded ${heavy}`).not.toContain(heavy);
      const src = [...loaded.src];
      expect(src.filter((f) => f.startsWith('src/tui/'))).toEqual([]);
      expect(src).not.toContain('src/agent/loop.ts');
      expect(src).not.toContain('src/llm/client.ts');
      expect(src).toContain(`src/cli/commands/${args[0] === 'ls' ? 'list' : args[0]}.ts`);
      expect(src.filter((f) => f.startsWith('src/cli/commands/'))).toHaveLength(1);
      // Nothing is configured there: the defaults are known without zod and the schema.
      expect(loaded.packages, args.join(' ')).not.toContain('zod');
      // The list reads the refs from their files: simple-git loads with a git call, and list makes none.
      if (args[0] === 'list' || args[0] === 'ls') expect(loaded.packages).not.toContain('simple-git');
      else expect(loaded.packages).toContain('simple-git');
    }
    // The detection itself: the commands that talk to a model do load openai.
    expect((await loadedBy(['task', '--help'])).packages).toContain('openai');
  });

  it('a repository with a .factoryrc.json has it validated: zod loads, and a bad value is refused', async () => {
    const file = path.join(repo, '.factoryrc.json');
    try {
      await writeFile(file, JSON.stringify({ check: 'make check' }));
      expect((await loadedBy(['list'])).packages).toContain('zod');
      // The same inputs again: the configuration accepted last time, from .git/factory, no zod.
      expect((await loadedBy(['list'])).packages).not.toContain('zod');
      await writeFile(file, JSON.stringify({ parallel: 0 }));
      for (let k = 0; k < 2; k++) {
        const r = await runBuilt(repo, ['list']);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('parallel');
      }
      // One byte changed is new input: checked again.
      await writeFile(file, JSON.stringify({ check: 'make checK' }));
      expect((await loadedBy(['list'])).packages).toContain('zod');
    } finally {
      await rm(file, { force: true });
    }
  });

  it("Ink's text measuring is patched as the build means it (else the build warned)", () => {
    const chunks = readdirSync(path.join(dist, 'chunks')).map((f) =>
      readFileSync(path.join(dist, 'chunks', f), 'utf8'),
    );
    const has = (text: string) => chunks.some((c) => c.includes(text));
    expect(has('function graphemesOf(str)')).toBe(true);
    expect(has('RGI_EMOJI_SINGLES.has(segment.charCodeAt(0)) : rgiEmojiRegex.test(segment)')).toBe(true);
    expect(has('ambiguousIsNarrow && NARROW_ALONE.test(string)')).toBe(true);
    expect(has('PLAIN_TEXT.test(string) ? eachCharAlone(string)')).toBe(true);
    expect(has('WHOLE_LINE.test(line) ? line : sliceAnsi(line, from, to)')).toBe(true);
    expect(has('if (codes.length === 0) return "";')).toBe(true);
    expect(has('if (from.length === 0 && to.length === 0) return [];')).toBe(true);
    // Every Intl.Segmenter is created on first use, none while the TUI loads.
    expect(chunks.filter((c) => /^var \w+ = new Intl\.Segmenter\(/m.test(c))).toEqual([]);
  });

  it("the build's one-column characters measure and clip as the unpatched string-width and slice-ansi do", async () => {
    const chunk = readdirSync(path.join(dist, 'chunks'))
      .map((f) => readFileSync(path.join(dist, 'chunks', f), 'utf8'))
      .find((c) => c.includes('var NARROW_ALONE = '))!;
    const narrow = new RegExp(/^var NARROW_ALONE = \/(.*)\/;$/m.exec(chunk)![1]!);
    const whole = new RegExp(/^var WHOLE_LINE = \/(.*)\/;$/m.exec(chunk)![1]!);
    const stringWidth = (await import('string-width')).default;
    const sliceAnsi = (await import('slice-ansi')).default;
    const { tokenize, styledCharsFromTokens } = await import('@alcalzone/ansi-tokenize');
    const cells = (s: string) => JSON.stringify(styledCharsFromTokens(tokenize(s)));
    // The characters it lists, a few at a time between ASCII and colour codes, as a frame has them.
    const listed = [...narrow.source.matchAll(/\\u(\w{4})(?:-\\u(\w{4}))?/g)].flatMap(([, a, b]) => {
      const out: string[] = [];
      for (let c = parseInt(a!, 16); c <= parseInt(b ?? a!, 16); c++) out.push(String.fromCharCode(c));
      return out;
    });
    expect(listed.length).toBeGreaterThan(1000);
    for (const ch of ['·', '│', '…', '›', '─', 'é', '→']) expect(listed).toContain(ch);
    for (const ch of ['\u200b', '\u00ad', '\u0301', '\t', '漢', '⌚', '\u2764'])
      expect(listed).not.toContain(ch);
    const colours = ['\x1b[1m', '\x1b[22m', '\x1b[32m', '\x1b[39m', '\x1b[7m', '\x1b[38;2;1;2;3m', '\x1b[0m'];
    for (let i = 0; i < listed.length; i += 7) {
      const chars = listed.slice(i, i + 7);
      const line = `${colours[i % colours.length]}a${chars.join('x')}${colours[(i + 3) % colours.length]} ${chars.reverse().join('')}`;
      const width = 1 + 2 * chars.length - 1 + 1 + chars.length;
      // eslint-disable-next-line no-control-regex -- the colour codes are what is stripped
      expect(narrow.test(line.replace(/\x1b\[[0-9;]*m/g, '')), line).toBe(true);
      expect(whole.test(line), line).toBe(true);
      expect(stringWidth(line), line).toBe(width);
      expect(cells(sliceAnsi(line, 0, width)), line).toBe(cells(line));
    }
    // Lines it must leave to slice-ansi: a zero-width character, a tab, a hyperlink.
    for (const line of ['a\u200bb', 'a\tb', '\x1b]8;;http://x\x07link\x1b]8;;\x07'])
      expect(whole.test(line)).toBe(false);
  });

  it('an unknown command still gets a suggestion from every command', async () => {
    const r = await runBuilt(repo, ['lst']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'lst'");
    expect(r.stderr).toContain('list');
  });

  it('the demo model server runs from dist/ with plain node and answers over HTTP', async () => {
    const server = spawn(
      process.execPath,
      [path.join(dist, 'scripted-server/cli.js'), '--port', '0', '--script', 'fixtures/scripts/hello.json'],
      { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /listening on (\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.on('exit', (code) => reject(new Error(`the scripted server exited (${code}): ${out}`)));
      });
      const models = await fetch(`${url}/v1/models`);
      expect(models.status).toBe(200);
    } finally {
      server.kill('SIGTERM');
    }
  });
});

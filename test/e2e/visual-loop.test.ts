/**
 * The visual check inside a real `factory task` run: the fixture bakery site served by its own
 * start command (python's http.server, in the OS sandbox, on a port factory picks), real
 * Chromium, the scripted server as Coder, describer and Sheriff. The planted bugs (a grid that
 * overflows only at the phone width, a script that throws while the page looks fine) are found
 * by the browser's own measurements and errors; the describer only describes.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, projectRoot, sh, tempDir } from '../helpers/git-repo.js';
import { startScriptedServer } from '../../src/scripted-server/index.js';
import {
  closeInProcess,
  e2eRepo,
  events,
  inProcessServer,
  messagesOf,
  requestsOf,
  runJson,
  startInProcess,
  taskDir,
  type TaskEvent,
} from './support.js';

afterAll(async () => {
  await closeInProcess();
  await cleanupTemps();
});

const SITE = path.join(projectRoot, 'fixtures/visual-site');
const siteFiles = () =>
  Object.fromEntries(
    readdirSync(SITE).map((f) => [f, readFileSync(path.join(SITE, f), 'utf8')] as [string, string]),
  );
const VISUAL = {
  start: 'python3 -m http.server {port} --bind 127.0.0.1',
  url: 'http://127.0.0.1:{port}/',
};
const TASK =
  'The header logo is missing (img/logo.svg): add it, and make sure the page is right on a phone too';

/** The text parts of a recorded request's messages, images left out. */
function textOf(body: unknown): string {
  const msgs = (body as { messages?: { content: unknown }[] }).messages ?? [];
  return msgs
    .flatMap((m) =>
      typeof m.content === 'string'
        ? [m.content]
        : Array.isArray(m.content)
          ? (m.content as { type: string; text?: string }[])
              .filter((p) => p.type === 'text')
              .map((p) => p.text)
          : [],
    )
    .join('\n');
}

describe('the visual check in a task run', () => {
  it('needs two attempts on the bakery fixture: the phone overflow and the script error fail the first', async () => {
    const server = await startInProcess('mlx', 'e2e-visual.json');
    const repo = await e2eRepo(siteFiles(), {
      server: inProcessServer(server),
      agent: { maxAttempts: 3, tools: 'text' },
      check: 'test -f index.html',
      visual: VISUAL,
    });
    const run = await runJson(repo.dir, ['task', TASK, '--visual']);
    expect(run.code, run.stderr).toBe(0);
    const [outcome] = run.outcomes;
    expect(outcome).toMatchObject({ outcome: 'passed', attempts: 2 });
    const id = outcome!.id;
    const log = events(repo.dir, id);

    // The design spec came first, from the Coder model, and is kept in the record.
    const spec = log.find((e) => e.type === 'spec');
    expect(spec).toMatchObject({ source: 'model', attempt: 1 });
    expect(String(spec!.spec)).toContain('nothing wider than the screen');
    const rec = JSON.parse(readFileSync(path.join(taskDir(repo.dir, id), 'task.json'), 'utf8'));
    expect(rec.spec).toBe(spec!.spec);
    const phases = log.filter((e) => e.type === 'phase').map((e) => `${e.attempt}:${e.phase}`);
    expect(phases.slice(0, 2)).toEqual(['1:spec', '1:coder']);
    expect(phases).toContain('1:visual');

    // Each attempt was looked at: screenshots of both sizes and visual.json, outside the branch.
    const looks = log.filter(
      (e): e is TaskEvent & { viewports: { name: string; overflow: boolean }[] } => e.type === 'visual',
    );
    expect(looks.map((e) => e.attempt)).toEqual([1, 2]);
    for (const look of looks) {
      const dir = String(look.dir);
      expect(dir).toBe(path.join(taskDir(repo.dir, id), 'visual', `attempt-${look.attempt}`));
      for (const f of ['desktop.png', 'phone.png', 'visual.json'])
        expect(existsSync(path.join(dir, f)), f).toBe(true);
      const json = JSON.parse(readFileSync(path.join(dir, 'visual.json'), 'utf8'));
      expect(json.viewports.map((v: { name: string; width: number }) => [v.name, v.width])).toEqual([
        ['desktop', 1280],
        ['phone', 390],
      ]);
      expect(json.descriptions.map((d: { viewport: string }) => d.viewport)).toEqual(['desktop', 'phone']);
    }
    const [first, second] = looks;
    // Attempt 1 fixed the logo (no 404 any more) but the phone overflows and the script throws.
    expect(first!.viewports.map((v) => [v.name, v.overflow])).toEqual([
      ['desktop', false],
      ['phone', true],
    ]);
    const errors1 = (first!.errors as string[]).join('\n');
    expect(errors1).toContain("uncaught error: Cannot read properties of null (reading 'addEventListener')");
    expect(errors1).not.toContain('logo.svg');
    expect(second!.viewports.map((v) => v.overflow)).toEqual([false, false]);
    expect(second!.errors).toEqual([]);

    // The describer's "VERDICT: PASS" in attempt 1 decided nothing: the Sheriff failed it.
    const verdicts = log.filter((e) => e.type === 'verdict').map((e) => [e.attempt, e.verdict]);
    expect(verdicts).toEqual([
      [1, 'FAIL'],
      [2, 'PASS'],
    ]);
    // The describer's tokens count in the task's budget, beside every model reply's.
    const used = (u: unknown) => {
      const t = u as { promptTokens?: number; completionTokens?: number } | undefined;
      return (t?.promptTokens ?? 0) + (t?.completionTokens ?? 0);
    };
    const describerTokens = looks.map((e) => used(e.usage));
    expect(describerTokens.every((n) => n > 0)).toBe(true);
    const replyTokens = log.filter((e) => e.type === 'reply').reduce((n, e) => n + used(e.usage), 0);
    expect(outcome!.tokens).toBe(replyTokens + describerTokens[0]! + describerTokens[1]!);
    // The describer got PNGs of the configured sizes and was never asked for a verdict.
    const described = server.requests.filter((r) => r.images.length > 0);
    expect(described.map((r) => r.images.map((i) => [i.width, i.height]))).toEqual([
      [[1280, 800]],
      [[390, 844]],
      [[1280, 800]],
      [[390, 844]],
    ]);
    for (const r of described) {
      expect(r.imagesRefused).toBeUndefined();
      const text = textOf(r.body);
      expect(text).not.toMatch(/verdict|\bPASS\b|\bFAIL\b/i);
      // Neither the spec nor the task: it cannot judge against what it is never shown.
      expect(text).not.toContain('nothing wider than the screen');
      expect(text).not.toContain('logo is missing');
    }
    // The Sheriff read the spec, the descriptions and the browser's errors.
    const sheriff1 = messagesOf(requestsOf(server, 'Sheriff')[0]!.body).at(-1)!.content;
    expect(sheriff1).toContain('Design spec (what the result must look like):');
    expect(sheriff1).toContain('# The visual check');
    expect(sheriff1).toContain('only the first card, "Sourdough", fits');
    expect(sheriff1).toContain('The page is wider than the screen and scrolls sideways');
    // The second Coder attempt got the descriptions and errors as its problem.
    const coder2 = messagesOf(requestsOf(server, 'Coder')[1]!.body).at(-1)!.content;
    expect(coder2).toContain('the visual check failed');
    expect(coder2).toContain('horizontal scrollbar');
    expect(coder2).toContain('uncaught error: Cannot read properties of null');

    // Nothing of the capture is on the branch; each attempt's app is gone (its port answers no more).
    for (const look of looks) await expect(fetch(String(look.url))).rejects.toThrow();
    const files = sh(repo.dir, 'ls-tree', '-r', '--name-only', outcome!.branch).trim().split('\n');
    expect(files.sort()).toEqual(['.factoryrc.json', 'app.js', 'img/logo.svg', 'index.html', 'style.css']);
  });

  it('gives two visual tasks that run at once different ports', async () => {
    const script = path.join(await tempDir(), 'script.json');
    await writeFile(
      script,
      JSON.stringify({
        replies: [
          { match: { system: 'You are the Coder' }, content: 'The page is already as asked.' },
          { match: { images: true }, content: 'A cream page with a header and four cards.' },
          {
            match: { system: 'You are the Sheriff' },
            content: '{"verdict":"PASS","analysis":"ok","fix":""}',
          },
        ],
      }),
    );
    const server = await startScriptedServer({ script, dialect: 'mlx', model: 'scripted-model' });
    // Each app marks its port, then waits until two are marked: both tasks hold a port at once,
    // and two tasks given the same port would leave one mark and never get ready.
    const barrier = await tempDir('factory-visual-ports-');
    const start =
      `touch ${barrier}/$PORT && while [ "$(ls ${barrier} | wc -l)" -lt 2 ]; do sleep 0.05; done && ` +
      'exec python3 -m http.server {port} --bind 127.0.0.1';
    const repo = await e2eRepo(siteFiles(), {
      server: { baseURL: server.baseURL, model: 'scripted-model', command: null },
      agent: { maxAttempts: 1, tools: 'text' },
      check: 'true',
      // The barrier is a folder of this test: the sandbox would give the app a /tmp of its own.
      sandbox: 'none',
      visual: { ...VISUAL, start, readyTimeout: 120 },
    });
    const file = path.join(await tempDir(), 'tasks.yaml');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      file,
      [
        'tasks:',
        '  - description: Check the header',
        '    visual: true',
        '    spec: The header shows the logo and the title.',
        '  - description: Check the cards',
        '    visual: true',
        '    spec: Four cards.',
        '',
      ].join('\n'),
    );
    try {
      const run = await runJson(repo.dir, ['task', '-t', file, '--parallel', '2']);
      expect(run.code, run.stderr).toBe(0);
      const ports = run.outcomes.map((o) => {
        const look = events(repo.dir, o.id).find((e) => e.type === 'visual');
        expect(look?.error, JSON.stringify(look)).toBeUndefined();
        return new URL(String(look!.url)).port;
      });
      expect(new Set(ports).size).toBe(2);
      expect(readdirSync(barrier).sort()).toEqual([...ports].sort());
      // A spec from the task file is the one judged against: no spec turn was asked.
      for (const o of run.outcomes) expect(events(repo.dir, o.id).some((e) => e.type === 'spec')).toBe(false);
    } finally {
      await server.close();
    }
  });
});

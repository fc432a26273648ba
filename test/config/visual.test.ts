import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describerServer } from '../../src/config/describer.js';
import { managedDescriber } from '../../src/config/managed-describer.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema, DEFAULT_CONFIG } from '../../src/config/schema.js';
import { writeSettings } from '../../src/config/write-settings.js';
import { FactoryError } from '../../src/errors.js';
import { tempDir } from './tmp.js';

/** Loads a repo config holding `repo` (and a user config holding `user`), nothing from the machine. */
async function load(repo: unknown, user?: unknown) {
  const dir = await tempDir();
  await writeFile(path.join(dir, '.factoryrc.json'), JSON.stringify(repo));
  if (user !== undefined) await writeFile(path.join(dir, 'user.json'), JSON.stringify(user));
  return loadConfig({ repoRoot: dir, userConfigPath: path.join(dir, 'user.json'), env: {} });
}

async function refusal(repo: unknown, user?: unknown): Promise<string> {
  const e = await load(repo, user).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FactoryError);
  expect((e as FactoryError).exitCode).toBe(2);
  return (e as FactoryError).message;
}

describe('config: visual', () => {
  it('is off (null) unless configured', () => {
    expect(DEFAULT_CONFIG.visual).toBeNull();
  });

  it('fills every default of a section that names only its start command', async () => {
    const { config, sources } = await load({ visual: { start: 'npm run dev -- --port {port}' } });
    expect(config.visual).toEqual({
      start: 'npm run dev -- --port {port}',
      url: 'http://127.0.0.1:{port}/',
      ready: '/',
      readyTimeout: 60,
      viewports: [
        { name: 'desktop', width: 1280, height: 800, mobile: false },
        { name: 'phone', width: 390, height: 844, mobile: true },
      ],
      describer: { baseURL: null, model: null, apiKey: null, command: null, memory: null },
      paths: ['**/*.html', '**/*.css', '**/*.scss', '**/*.jsx', '**/*.tsx', '**/*.vue', '**/*.svelte'],
      browser: null,
    });
    expect(sources['visual.start']).toMatch(/\/\.factoryrc\.json$/);
    expect(sources['visual.url']).toBe('default');
  });

  it("accepts the issue's example and a static page without a start command", async () => {
    const { config } = await load({
      visual: {
        start: 'npm run dev -- --port {port}',
        url: 'http://127.0.0.1:{port}/',
        ready: '/',
        viewports: [
          { name: 'desktop', width: 1280, height: 800 },
          { name: 'phone', width: 390, height: 844, mobile: true },
        ],
        describer: {
          baseURL: 'http://127.0.0.1:8081/v1',
          model: 'mlx-community/Qwen2.5-VL-3B-Instruct-4bit',
        },
      },
    });
    expect(config.visual!.describer.baseURL).toBe('http://127.0.0.1:8081/v1');
    const stat = await load({ visual: { url: 'file://site/index.html#top', paths: [] } });
    expect(stat.config.visual!.url).toBe('file://site/index.html#top');
    expect(stat.config.visual!.start).toBeNull();
  });

  it('refuses bad values, naming the file and the key', async () => {
    const cases: [unknown, RegExp][] = [
      [{ visual: { url: 'file:///etc/passwd' } }, /visual\.url: a file:\/\/ url is relative to the worktree/],
      [
        { visual: { url: 'file://../outside/index.html' } },
        /visual\.url: a file:\/\/ url must stay inside the worktree/,
      ],
      [{ visual: { url: 'file://' } }, /visual\.url: a file:\/\/ url needs a file/],
      [{ visual: { start: 'x', url: 'ftp://host/' } }, /visual\.url: expected an http\(s\) URL/],
      [
        { visual: { start: 'x', ready: 'health' } },
        /visual\.ready: expected a path starting with "\/", got "health"/,
      ],
      [
        { visual: { start: 'x', readyTimeout: 0 } },
        /visual\.readyTimeout: expected a number of seconds from 1/,
      ],
      [{ visual: { start: '' } }, /visual\.start: expected a shell command or null/],
      [{ visual: { start: 'x', viewports: [] } }, /visual\.viewports: expected at least one viewport/],
      [
        { visual: { start: 'x', viewports: [{ name: 'a', width: 50, height: 800 }] } },
        /visual\.viewports\[0\]\.width: expected a number of pixels from 100 to 8192, got 50/,
      ],
      [
        { visual: { start: 'x', viewports: [{ name: 'a', width: 500, height: 100000 }] } },
        /visual\.viewports\[0\]\.height: expected a number of pixels from 100 to 8192/,
      ],
      [
        { visual: { start: 'x', viewports: [{ name: '../a', width: 500, height: 500 }] } },
        /visual\.viewports\[0\]\.name: expected a name of letters, digits/,
      ],
      [
        {
          visual: {
            start: 'x',
            viewports: [
              { name: 'a', width: 500, height: 500 },
              { name: 'a', width: 600, height: 600 },
            ],
          },
        },
        /visual\.viewports\[1\]\.name: expected a name no other viewport has \("a" is used twice\)/,
      ],
      [
        { visual: { start: 'x', viewports: [{ name: 'a', width: 500, height: 500, mobil: true }] } },
        /visual\.viewports\[0\]\.mobil: unknown key; did you mean "mobile"\?/,
      ],
      [
        { visual: { start: 'x', paths: ['*.{css,scss'] } },
        /visual\.paths\[0\]: expected a glob pattern \(.*never closed\)/,
      ],
      [
        { visual: { start: 'x', describer: { baseURL: 'nope' } } },
        /visual\.describer\.baseURL: expected an http\(s\) URL/,
      ],
      [
        { visual: { start: 'x', browser: 3 } },
        /visual\.browser: expected a path to Chromium or Chrome, or null, got 3/,
      ],
      [{ visual: 'on' }, /visual: expected an object, or null, got "on"/],
      [{ visual: { strat: 'x' } }, /visual\.strat: unknown key; did you mean "start"\?/],
    ];
    for (const [data, re] of cases) {
      const message = await refusal(data);
      expect(message, JSON.stringify(data)).toMatch(/^\.factoryrc\.json: |\/\.factoryrc\.json: /);
      expect(message, JSON.stringify(data)).toMatch(re);
    }
  });

  it('checks start and url together, over the layers they come from', async () => {
    // An http page on {port} needs the command that serves it.
    expect(await refusal({ visual: {} })).toMatch(
      /\.factoryrc\.json: visual\.start: missing; .*"npm run dev/,
    );
    // A file:// page has nothing to start.
    expect(
      await refusal({ visual: { url: 'file://index.html' } }, { visual: { start: 'npm start' } }),
    ).toMatch(/user\.json: visual\.start: a file:\/\/ page is opened as it is/);
    // start from the user config, url from the repo: fine together.
    const { config, sources } = await load(
      { visual: { url: 'http://localhost:{port}/app/' } },
      { visual: { start: 'serve -p {port}' } },
    );
    expect(config.visual!.start).toBe('serve -p {port}');
    expect(sources['visual.start']).toMatch(/user\.json$/);
    expect(sources['visual.url']).toMatch(/\/\.factoryrc\.json$/);
  });

  it('starts a describer only on a server of its own (visual.describer.command)', async () => {
    const command = ['mlx_vlm.server', '--model', '{model}', '--port', '{port}'];
    // No baseURL of its own: the describer is the main server, which factory starts already.
    expect(await refusal({ visual: { start: 'x', describer: { command } } })).toMatch(
      /\.factoryrc\.json: visual\.describer\.command: factory starts a describer only on a server of its own.*set visual\.describer\.baseURL/,
    );
    // baseURL from the user config, command from the repo: the layers are checked together.
    expect(
      await refusal(
        { visual: { start: 'x', describer: { command } } },
        {
          server: { baseURL: 'http://127.0.0.1:9000/v1' },
          visual: { describer: { baseURL: 'http://127.0.0.1:9000/x/v1' } },
        },
      ),
    ).toMatch(/user\.json: visual\.describer\.baseURL: is the main server's address \(127\.0\.0\.1:9000\)/);
    expect(await refusal({ server: { memory: 0 } })).toMatch(
      /server\.memory: expected a number of GB above 0/,
    );
    expect(await refusal({ visual: { start: 'x', describer: { memory: -1 } } })).toMatch(
      /visual\.describer\.memory: expected a number of GB above 0/,
    );
    const { config } = await load({
      server: { memory: 7.5 },
      visual: { start: 'x', describer: { baseURL: 'http://127.0.0.1:8081/v1', command, memory: 2 } },
    });
    expect(managedDescriber(config)).toEqual({
      baseURL: 'http://127.0.0.1:8081/v1',
      model: 'mlx-community/Qwen2.5-Coder-7B-Instruct-4bit',
      apiKey: 'local',
      command,
      memory: 2,
    });
    expect(config.server.memory).toBe(7.5);
    // An own baseURL without a command: someone else's server, factory starts nothing.
    const other = await load({ visual: { start: 'x', describer: { baseURL: 'http://127.0.0.1:8081/v1' } } });
    expect(managedDescriber(other.config)).toBeNull();
  });

  it('lets a repo turn off a visual section of the user config with null', async () => {
    const { config, sources } = await load({ visual: null }, { visual: { start: 'npm start' } });
    expect(config.visual).toBeNull();
    expect(sources['visual.start']).toMatch(/\/\.factoryrc\.json$/);
  });

  it('takes the describer from the main server unless it has its own', () => {
    const base = configSchema.parse({ server: { apiKey: 'main-key' }, visual: { start: 'x' } });
    expect(describerServer(base)).toEqual({
      baseURL: 'http://127.0.0.1:8080/v1',
      model: 'mlx-community/Qwen2.5-Coder-7B-Instruct-4bit',
      apiKey: 'main-key',
      shared: true,
    });
    const own = configSchema.parse({
      server: { apiKey: 'main-key' },
      visual: { start: 'x', describer: { baseURL: 'http://127.0.0.1:8081/v1', model: 'vl' } },
    });
    expect(describerServer(own)).toEqual({
      baseURL: 'http://127.0.0.1:8081/v1',
      model: 'vl',
      apiKey: 'local',
      shared: false,
    });
    expect(describerServer(DEFAULT_CONFIG)).toBeNull();
  });

  it('is written by config --set like any other section, and refused there when wrong', async () => {
    const dir = await tempDir();
    const file = path.join(dir, '.factoryrc.json');
    await writeSettings(file, file, [{ key: 'visual.start', raw: 'npm run dev -- --port {port}' }], dir);
    await writeSettings(
      file,
      file,
      [{ key: 'visual.viewports', raw: '[{"name":"tablet","width":768,"height":1024}]' }],
      dir,
    );
    const { config } = await loadConfig({
      repoRoot: dir,
      userConfigPath: path.join(dir, 'user.json'),
      env: {},
    });
    expect(config.visual!.viewports).toEqual([{ name: 'tablet', width: 768, height: 1024, mobile: false }]);
    await expect(
      writeSettings(file, file, [{ key: 'visual.readyTimeout', raw: 'soon' }], dir),
    ).rejects.toThrow(
      /--set visual\.readyTimeout: visual\.readyTimeout: expected a number of seconds .*got "soon"/,
    );
    await writeSettings(file, file, [{ key: 'visual', raw: 'null' }], dir);
    const off = await loadConfig({ repoRoot: dir, userConfigPath: path.join(dir, 'user.json'), env: {} });
    expect(off.config.visual).toBeNull();
  });

  it('is set by FACTORY_VISUAL_* variables', async () => {
    const dir = await tempDir();
    const { config, sources } = await loadConfig({
      repoRoot: dir,
      userConfigPath: path.join(dir, 'user.json'),
      env: { FACTORY_VISUAL_START: 'npm start', FACTORY_VISUAL_READY_TIMEOUT: '5' },
    });
    expect(config.visual!.readyTimeout).toBe(5);
    expect(sources['visual.start']).toBe('env FACTORY_VISUAL_START');
  });
});

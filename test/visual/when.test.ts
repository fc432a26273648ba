import { describe, expect, it } from 'vitest';
import { configSchema, DEFAULT_CONFIG } from '../../src/config/schema.js';
import { FactoryError } from '../../src/errors.js';
import { isVisualTask, refuseVisualWithoutConfig } from '../../src/visual/when.js';

const configured = configSchema.parse({ visual: { start: 'npm run dev -- --port {port}' } });

describe('isVisualTask', () => {
  it('is true when the task asks, whatever it changed', () => {
    expect(isVisualTask({ visual: true }, [], configured)).toBe(true);
    expect(isVisualTask({ visual: true }, ['README.md'], configured)).toBe(true);
  });

  it('is true when the change touches a file of visual.paths (html, css, scss, jsx, tsx, vue, svelte)', () => {
    for (const file of [
      'index.html',
      'src/styles/a.css',
      'a.scss',
      'src/App.jsx',
      'src/ui/App.tsx',
      'A.vue',
      'B.svelte',
    ])
      expect(isVisualTask({}, ['README.md', file], configured), file).toBe(true);
    for (const file of ['src/server.ts', 'README.md', 'index.htm.bak', 'styles.css.map'])
      expect(isVisualTask({}, [file], configured), file).toBe(false);
    expect(isVisualTask({}, [], configured)).toBe(false);
  });

  it('follows the configured paths; [] leaves it to the tasks that ask', () => {
    const own = configSchema.parse({ visual: { start: 'x', paths: ['templates/**'] } });
    expect(isVisualTask({}, ['templates/base.njk'], own)).toBe(true);
    expect(isVisualTask({}, ['index.html'], own)).toBe(false);
    const none = configSchema.parse({ visual: { start: 'x', paths: [] } });
    expect(isVisualTask({}, ['index.html'], none)).toBe(false);
  });

  it('is false when the task says visual: false, and without a visual section', () => {
    expect(isVisualTask({ visual: false }, ['index.html'], configured)).toBe(false);
    expect(isVisualTask({}, ['index.html', 'a.css'], DEFAULT_CONFIG)).toBe(false);
  });
});

describe('refuseVisualWithoutConfig', () => {
  it('refuses (exit 2) tasks that ask without a visual section, naming what to add', () => {
    const e = (() => {
      try {
        refuseVisualWithoutConfig([{ title: 'Make the grid responsive', visual: true }], DEFAULT_CONFIG);
      } catch (err) {
        return err;
      }
    })() as FactoryError;
    expect(e).toBeInstanceOf(FactoryError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      'the task "Make the grid responsive" asks for the visual check, but the configuration has no "visual" section',
    );
    expect(e.hint).toMatch(/"visual": \{"start": "npm run dev -- --port \{port\}"\}/);
    expect(() =>
      refuseVisualWithoutConfig(
        [
          { title: 'a', visual: true },
          { title: 'b', visual: true },
        ],
        DEFAULT_CONFIG,
      ),
    ).toThrow(/^2 tasks ask for the visual check/);
  });

  it('lets through tasks that do not ask, and any task when visual is configured', () => {
    expect(() =>
      refuseVisualWithoutConfig([{ title: 'a' }, { title: 'b', visual: false }], DEFAULT_CONFIG),
    ).not.toThrow();
    expect(() => refuseVisualWithoutConfig([{ title: 'a', visual: true }], configured)).not.toThrow();
  });
});

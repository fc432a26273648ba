import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import {
  BUILT_IN_PROMPTS,
  coderSystemPrompt,
  loadPrompts,
  renderPrompt,
  sheriffSystemPrompt,
} from '../../src/agent/prompts/index.js';
import { FactoryError } from '../../src/errors.js';
import { cleanupTemps, tempDir, writeFiles } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

describe('built-in prompts', () => {
  it('the Coder prompt describes whole-file and SEARCH/REPLACE blocks exactly', async () => {
    const p = await loadPrompts();
    const text = coderSystemPrompt(p, 'repo', 'text');
    expect(text).toMatch(/path alone on a line, then a fenced code block/);
    expect(text).toContain('src/greet.ts\n```ts\n');
    expect(text).toContain('src/pager.ts\n<<<<<<< SEARCH\n');
    expect(text).toMatch(/\n=======\n/);
    expect(text).toMatch(/\n>>>>>>> REPLACE\n/);
    expect(text).toMatch(/concise/i);
    expect(text).toContain('You have no tools');
    expect(text).not.toContain('{{');
  });

  it('mentions the tools only when they are native', async () => {
    const p = await loadPrompts();
    expect(coderSystemPrompt(p, 'repo', 'native')).toMatch(
      /around it\.\n\nYou can also call the tools you are given: read_file/,
    );
    expect(coderSystemPrompt(p, 'repo', 'text')).not.toMatch(/read_file/);
    expect(coderSystemPrompt(p, 'script', 'native')).toMatch(/read_file/);
  });

  it('the script prompt asks for one fenced block with no path', async () => {
    const text = coderSystemPrompt(await loadPrompts(), 'script', 'text');
    expect(text).toMatch(/exactly one fenced code block/);
    expect(text).toMatch(/no path before the block/);
    expect(text).toContain('```python\n');
    expect(text).not.toMatch(/SEARCH/);
  });

  it('the Sheriff prompt asks for the JSON verdict and names the exit code as the gate', async () => {
    const text = sheriffSystemPrompt(await loadPrompts());
    expect(text).toContain('{"verdict": "PASS" | "FAIL", "analysis": "…", "fix": "…"}');
    expect(text).toContain('verdict: exactly "PASS" or "FAIL"');
    expect(text).toMatch(/exit code decides a failing run/);
  });

  it('records where each prompt came from', async () => {
    const p = await loadPrompts();
    expect(p.sources).toEqual({
      coder: 'built-in',
      coderScript: 'built-in',
      sheriff: 'built-in',
      describer: 'built-in',
      spec: 'built-in',
      planner: 'built-in',
    });
    expect(p.coder).toBe(BUILT_IN_PROMPTS.coder);
  });
});

describe('prompt overrides', () => {
  it('reads the user files relative to the repo root, keeping the others built in', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'prompts/coder.md': 'My coder. {{tools}}\n', 'sheriff.md': 'Judge it.\n' });
    const p = await loadPrompts({ coder: 'prompts/coder.md', sheriff: path.join(root, 'sheriff.md') }, root);
    expect(p.coder).toBe('My coder. {{tools}}\n');
    expect(p.sheriff).toBe('Judge it.\n');
    expect(p.coderScript).toBe(BUILT_IN_PROMPTS.coderScript);
    expect(p.sources?.coder).toBe(path.join(root, 'prompts/coder.md'));
    expect(coderSystemPrompt(p, 'repo', 'text')).toBe(
      'My coder. You have no tools: write every change as an edit block in your reply.',
    );
  });

  it('refuses a missing or empty file with a config error', async () => {
    const root = await tempDir();
    await writeFiles(root, { 'empty.md': '  \n' });
    const missing = loadPrompts({ coder: 'nope.md' }, root);
    await expect(missing).rejects.toBeInstanceOf(FactoryError);
    await expect(missing).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('nope.md') });
    await expect(loadPrompts({ sheriff: 'empty.md' }, root)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('is empty'),
    });
  });
});

describe('renderPrompt', () => {
  it('fills known placeholders and leaves unknown ones visible', () => {
    expect(renderPrompt('a {{ x }} b {{y}} c', { x: '1' })).toBe('a 1 b {{y}} c');
  });

  it('drops the blank lines an empty placeholder leaves', () => {
    expect(renderPrompt('one\n\n{{tools}}\n\ntwo\n{{tools}}', { tools: '' })).toBe('one\n\ntwo');
  });
});

import { describe, expect, it } from 'vitest';
import { decide, parseSheriff } from '../../src/agent/sheriff.js';

describe('parseSheriff: JSON', () => {
  it('reads a bare object', () => {
    expect(parseSheriff('{"verdict":"FAIL","analysis":"off by one","fix":"drop the +1"}')).toEqual({
      verdict: 'FAIL',
      analysis: 'off by one',
      fix: 'drop the +1',
    });
  });

  it('reads an object in a ```json fence amid prose', () => {
    const reply =
      'Looking at the output, the test fails.\n\n```json\n{\n  "verdict": "FAIL",\n  "analysis": "page 2 is empty",\n  "fix": "use start + size"\n}\n```\nHope this helps.';
    expect(parseSheriff(reply)).toEqual({
      verdict: 'FAIL',
      analysis: 'page 2 is empty',
      fix: 'use start + size',
    });
  });

  it('tolerates missing or null fields, any case and capitalised keys', () => {
    expect(parseSheriff('{"verdict":"pass"}')).toEqual({ verdict: 'PASS', analysis: '', fix: '' });
    expect(parseSheriff('{"Verdict":" Fail ","Analysis":"x","fix":null}')).toEqual({
      verdict: 'FAIL',
      analysis: 'x',
      fix: '',
    });
  });

  it('repairs raw newlines in strings and trailing commas', () => {
    expect(parseSheriff('{"verdict": "FAIL", "analysis": "line one\nline two", "fix": "x",}')).toEqual({
      verdict: 'FAIL',
      analysis: 'line one\nline two',
      fix: 'x',
    });
  });

  it('takes the last valid object, and finds it after a stray brace in the prose', () => {
    const reply =
      'First idea {"verdict":"PASS","analysis":"a"} then, on reflection: {"verdict":"FAIL","analysis":"b"}';
    expect(parseSheriff(reply)?.verdict).toBe('FAIL');
    expect(parseSheriff('the set {a, b is open. {"verdict":"PASS","analysis":"ok"}')).toMatchObject({
      verdict: 'PASS',
    });
  });

  it('ignores the verdict inside reasoning', () => {
    expect(parseSheriff('<think>VERDICT: PASS maybe?</think>\n{"verdict":"FAIL"}')?.verdict).toBe('FAIL');
    expect(parseSheriff('VERDICT: PASS, I guess</think>\nVERDICT: FAIL')?.verdict).toBe('FAIL');
  });

  it('rejects an object with an unknown verdict (falls back to a VERDICT line, else none)', () => {
    expect(parseSheriff('{"verdict":"PASS or FAIL","analysis":"…"}')).toBeNull();
    expect(parseSheriff('{"verdict":"MAYBE"}\nVERDICT: FAIL')?.verdict).toBe('FAIL');
  });
});

describe('parseSheriff: VERDICT line', () => {
  it('reads VERDICT: PASS and keeps the rest as analysis', () => {
    expect(parseSheriff('The change is right.\nVERDICT: PASS')).toEqual({
      verdict: 'PASS',
      analysis: 'The change is right.',
      fix: '',
    });
  });

  it('accepts any case and markdown emphasis', () => {
    expect(parseSheriff('**VERDICT:** FAIL\nThe test still fails.')?.verdict).toBe('FAIL');
    expect(parseSheriff('## Verdict: **pass**')?.verdict).toBe('PASS');
    expect(parseSheriff('verdict - fail')?.verdict).toBe('FAIL');
  });

  it('splits off a Fix section and keeps text after the verdict word', () => {
    expect(
      parseSheriff(
        'VERDICT: FAIL — off by one\nThe last page repeats.\n**Fix:** use `<` instead of `<=`.\nin pager.ts',
      ),
    ).toEqual({
      verdict: 'FAIL',
      analysis: 'off by one\nThe last page repeats.',
      fix: 'use `<` instead of `<=`.\nin pager.ts',
    });
  });

  it('is no verdict otherwise', () => {
    expect(parseSheriff('')).toBeNull();
    expect(parseSheriff('Looks good to me, the tests pass.')).toBeNull();
    expect(parseSheriff('The verdict: passing tests are not enough.')).toBeNull();
    expect(parseSheriff('{"analysis":"no verdict here"}')).toBeNull();
  });
});

const pass = { verdict: 'PASS' as const, analysis: 'looks right', fix: '' };
const fail = { verdict: 'FAIL' as const, analysis: 'the last page is empty', fix: 'fix the slice' };

describe('decide: the exit code is the gate', () => {
  it('a failing check never passes, whatever the Sheriff says', () => {
    const d = decide({ checkExit: 1, hasCheck: true, sheriff: pass });
    expect(d).toMatchObject({ passed: false, verdict: 'FAIL' });
    expect(d.reason).toMatch(/the check failed \(exit 1\).*Sheriff's PASS does not count/);
  });

  it('a check that timed out or was killed never passes', () => {
    const d = decide({ checkExit: null, hasCheck: true, sheriff: pass });
    expect(d).toMatchObject({ passed: false, verdict: 'FAIL' });
    expect(d.reason).toMatch(/did not finish/);
    expect(decide({ checkExit: null, hasCheck: true, sheriff: null, sheriffError: 'boom' }).passed).toBe(
      false,
    );
  });

  it('a passing check and a PASS pass', () => {
    expect(decide({ checkExit: 0, hasCheck: true, sheriff: pass })).toEqual({
      passed: true,
      verdict: 'PASS',
      reason: 'the check passed (exit 0) and the Sheriff agrees',
    });
  });

  it("a passing check with the Sheriff's FAIL does not pass", () => {
    const d = decide({ checkExit: 0, hasCheck: true, sheriff: fail });
    expect(d).toMatchObject({ passed: false, verdict: 'FAIL' });
    expect(d.reason).toContain('the last page is empty');
  });

  it('a passing check passes on the gate when the Sheriff gave no verdict, and says so', () => {
    const d = decide({ checkExit: 0, hasCheck: true, sheriff: null });
    expect(d).toMatchObject({ passed: true, verdict: 'NONE' });
    expect(d.reason).toMatch(/Sheriff gave no verdict/);
  });

  it('the gate alone decides when the Sheriff call failed, and the reason says so', () => {
    const d = decide({
      checkExit: 0,
      hasCheck: true,
      sheriff: null,
      sheriffError: 'request timed out\nafter 120 s',
    });
    expect(d).toMatchObject({ passed: true, verdict: 'NONE' });
    expect(d.reason).toMatch(/Sheriff's call failed \(request timed out after 120 s\).*exit code alone/);
    const f = decide({ checkExit: 2, hasCheck: true, sheriff: null, sheriffError: 'x' });
    expect(f).toMatchObject({ passed: false, verdict: 'FAIL' });
  });
});

describe('decide: script tasks (no check command)', () => {
  it("the Sheriff's verdict decides a script that ran", () => {
    expect(decide({ checkExit: 0, hasCheck: false, sheriff: pass })).toMatchObject({
      passed: true,
      verdict: 'PASS',
    });
    const d = decide({ checkExit: 0, hasCheck: false, sheriff: fail });
    expect(d).toMatchObject({ passed: false, verdict: 'FAIL' });
    expect(d.reason).toMatch(/^the script ran \(exit 0\), but the Sheriff says FAIL/);
  });

  it('a failing script still fails', () => {
    const d = decide({ checkExit: 1, hasCheck: false, sheriff: pass });
    expect(d).toMatchObject({ passed: false, verdict: 'FAIL' });
    expect(d.reason).toMatch(/^the script failed \(exit 1\)/);
  });
});

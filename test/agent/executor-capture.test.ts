import { describe, expect, it } from 'vitest';
import { OutputCapture } from '../../src/agent/exec-capture.js';
import { checkEnv, isSecretName, scrubEnv } from '../../src/agent/exec-env.js';

describe('OutputCapture', () => {
  it('matches a naive head + tail for any chunking, wrapping the ring many times', () => {
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (const max of [0, 1, 2, 7, 64, 1000]) {
      const cap = new OutputCapture(max);
      const all: Buffer[] = [];
      for (let i = 0; i < 300; i++) {
        const chunk = Buffer.from(Array.from({ length: rand(max * 2 + 3) }, () => 97 + rand(26)));
        all.push(chunk);
        cap.push(chunk);
      }
      const whole = Buffer.concat(all).toString('latin1');
      const headCap = Math.floor(max / 2);
      const r = cap.result();
      expect(r.totalBytes).toBe(whole.length);
      if (whole.length <= max) {
        expect(r).toMatchObject({ output: whole, head: whole, tail: '', truncatedBytes: 0 });
      } else {
        expect(r.head).toBe(whole.slice(0, headCap));
        expect(r.tail).toBe(max - headCap === 0 ? '' : whole.slice(-(max - headCap)));
        expect(r.truncatedBytes).toBe(whole.length - max);
      }
    }
  });

  it('keeps everything, a character split between head and tail included, when nothing is cut', () => {
    const cap = new OutputCapture(8);
    cap.push(Buffer.from('abcé'.slice(0, 3))); // 'abc'
    cap.push(Buffer.from('é€')); // 2 + 3 bytes: the head ends inside 'é'
    expect(cap.result()).toMatchObject({ output: 'abcé€', truncatedBytes: 0, totalBytes: 8 });
  });

  it('drops partial 3- and 4-byte characters at the cut and counts them as cut', () => {
    const cap = new OutputCapture(10);
    const text = '€'.repeat(10) + '😀'.repeat(10); // 30 + 40 bytes
    cap.push(Buffer.from(text));
    const r = cap.result();
    expect(r.head).toBe('€'); // 5 bytes: one whole '€' and two bytes of the next
    expect(r.tail).toBe('😀'); // 5 bytes: one stray continuation byte, then a whole '😀'
    expect(r.truncatedBytes).toBe(70 - 3 - 4);
  });
});

describe('scrubEnv', () => {
  it('removes secrets by suffix, case-insensitively, and cloud identities, and every GIT_*', () => {
    const env = {
      PATH: '/bin',
      HOME: '/home/u',
      SERVICE_KEY: 'x',
      lower_api_token: 'x',
      DB_Password: 'x',
      APP_SECRET: 'x',
      GCP_CREDENTIALS: 'x',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_PROFILE: 'x',
      AWS_REGION: 'eu-west-1',
      AZURE_CLIENT_SECRET: 'x',
      GOOGLE_APPLICATION_CREDENTIALS: '/k.json',
      SSH_AUTH_SOCK: '/tmp/agent',
      'npm_config_//registry.npmjs.org/:_authToken': 'x',
      GIT_DIR: '/r/.git',
      GIT_INDEX_FILE: '/r/.git/index',
      KEYBOARD: 'us',
      TOKENIZERS_PARALLELISM: 'false',
      UNDEF: undefined,
    };
    expect(scrubEnv(env)).toEqual({
      PATH: '/bin',
      HOME: '/home/u',
      AWS_REGION: 'eu-west-1',
      KEYBOARD: 'us',
      TOKENIZERS_PARALLELISM: 'false',
    });
    expect(env.SERVICE_KEY).toBe('x'); // a copy: the caller's env is untouched
  });

  it('names the well-known API keys as secrets', () => {
    for (const n of [
      'OPENAI_API_KEY',
      'ANTHROPIC_API_KEY',
      'HF_TOKEN',
      'GH_TOKEN',
      'GITHUB_TOKEN',
      'NPM_TOKEN',
    ])
      expect(isSecretName(n)).toBe(true);
  });

  it('checkEnv adds CI=1 and NO_COLOR=1 and drops FORCE_COLOR', () => {
    expect(checkEnv({ PATH: '/bin', FORCE_COLOR: '3', CI: 'false' })).toEqual({
      PATH: '/bin',
      CI: '1',
      NO_COLOR: '1',
    });
  });
});

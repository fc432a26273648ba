import { describe, expect, it } from 'vitest';
import { checkEnv, hasUrlCredentials } from '../../src/agent/exec-env.js';

describe('trust: sandbox environment', () => {
  const env = {
    PATH: '/usr/bin',
    DATABASE_URL: 'postgres://localhost/app',
    APP_DATABASE_URL: 'postgres://localhost/app2',
    CACHE_URL: 'redis://:s3cret@cache:6379/0',
    HTTPS_PROXY: 'http://user:pw@proxy:3128',
    CLONE_URL: 'https://ghp_token123@github.com/me/x.git',
    API_URL: 'http://localhost:3000/api',
    DOCS: 'see https://example.com/a@b',
    MYCORP_LICENSE: 'abc',
    GIT_DIR: '/x/.git',
  };

  it('removes database URLs and any value holding a URL with credentials, keeps plain URLs', () => {
    const out = checkEnv(env);
    for (const gone of [
      'DATABASE_URL',
      'APP_DATABASE_URL',
      'CACHE_URL',
      'HTTPS_PROXY',
      'CLONE_URL',
      'GIT_DIR',
    ])
      expect(out[gone], gone).toBeUndefined();
    expect(out.API_URL).toBe('http://localhost:3000/api');
    expect(out.DOCS).toBe('see https://example.com/a@b');
    expect(out.PATH).toBe('/usr/bin');
  });

  it('passes named variables through with the allow-list and removes more with the deny-list', () => {
    const out = checkEnv(env, { allow: ['database_url', 'GIT_DIR'], deny: ['MYCORP_*'] });
    expect(out.DATABASE_URL).toBe('postgres://localhost/app');
    expect(out.MYCORP_LICENSE).toBeUndefined();
    // GIT_* would point the check's git at the user's repository: no list brings it back.
    expect(out.GIT_DIR).toBeUndefined();
    expect(out.CACHE_URL).toBeUndefined();
  });

  it('recognises credentials in URLs', () => {
    expect(hasUrlCredentials('mysql://root:pw@127.0.0.1/db')).toBe(true);
    expect(hasUrlCredentials('amqp://guest@rabbit')).toBe(true);
    expect(hasUrlCredentials('http://127.0.0.1:8080/v1')).toBe(false);
    expect(hasUrlCredentials('mailto:someone@example.com')).toBe(false);
  });
});

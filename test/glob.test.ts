import { describe, expect, it } from 'vitest';
import { anyMatch, compileGlob, globProblem } from '../src/glob.js';

const matches = (pattern: string, file: string) => compileGlob(pattern)(file);

describe('glob', () => {
  it('* stays within one folder name, ** crosses folders (none included)', () => {
    expect(matches('src/*.css', 'src/a.css')).toBe(true);
    expect(matches('src/*.css', 'src/deep/a.css')).toBe(false);
    expect(matches('**/*.css', 'a.css')).toBe(true);
    expect(matches('**/*.css', 'src/deep/a.css')).toBe(true);
    expect(matches('src/**/*.tsx', 'src/App.tsx')).toBe(true);
    expect(matches('src/**/*.tsx', 'src/ui/deep/App.tsx')).toBe(true);
    expect(matches('src/**/*.tsx', 'lib/App.tsx')).toBe(false);
    expect(matches('public/**', 'public/img/logo.svg')).toBe(true);
    expect(matches('**/*.css', 'a.css.map')).toBe(false);
  });

  it('a pattern without "/" matches the file name at any depth', () => {
    expect(matches('*.html', 'index.html')).toBe(true);
    expect(matches('*.html', 'site/pages/about.html')).toBe(true);
    expect(matches('index.html', 'site/index.html')).toBe(true);
    expect(matches('index.html', 'site/index.htm')).toBe(false);
  });

  it('? is one character, {a,b} either alternative, nested too; everything else is literal', () => {
    expect(matches('a?.css', 'ab.css')).toBe(true);
    expect(matches('a?.css', 'a/.css')).toBe(false);
    expect(matches('**/*.{css,scss}', 'x/y.scss')).toBe(true);
    expect(matches('**/*.{css,scss}', 'x/y.sass')).toBe(false);
    expect(matches('**/*.{j,t}s{,x}', 'App.tsx')).toBe(true);
    expect(matches('**/*.{j,t}s{,x}', 'App.ts')).toBe(true);
    expect(matches('{src,app/{ui,web}}/*.vue', 'app/web/A.vue')).toBe(true);
    expect(matches('{src,app/{ui,web}}/*.vue', 'app/api/A.vue')).toBe(false);
    expect(matches('a+b(1).[x]$', 'a+b(1).[x]$')).toBe(true);
    expect(matches('a.b', 'axb')).toBe(false);
  });

  it('takes ./ and backslashes as the same path', () => {
    expect(matches('src/*.css', './src/a.css')).toBe(true);
    expect(matches('src/*.css', 'src\\a.css')).toBe(true);
  });

  it('says why a pattern cannot be read', () => {
    expect(globProblem('*.{css,scss')).toMatch(/never closed/);
    expect(globProblem('*.css}')).toMatch(/never opened/);
    expect(globProblem('')).toMatch(/empty/);
    expect(globProblem('**/*.{css,scss}')).toBeNull();
  });

  it('anyMatch: any file against any pattern; no patterns match nothing', () => {
    expect(anyMatch(['*.css', '*.html'], ['README.md', 'web/index.html'])).toBe(true);
    expect(anyMatch(['*.css'], ['README.md'])).toBe(false);
    expect(anyMatch([], ['a.css'])).toBe(false);
  });
});

/**
 * Recognises the line that names a file before a code block. Models decorate it in many ways
 * (`path`, **path**, ### path, path:, File: path, "Here is `path`:"), so the decoration is
 * peeled off and what is left must look like a path: one token, no spaces, and an extension,
 * a slash, or a well-known extensionless name. Being strict here keeps prose out of paths; the
 * sandbox judges whether the path is allowed.
 */

const BARE_NAMES = new Set([
  'makefile',
  'gnumakefile',
  'dockerfile',
  'containerfile',
  'jenkinsfile',
  'procfile',
  'gemfile',
  'rakefile',
  'vagrantfile',
  'justfile',
  'license',
  'readme',
  'changelog',
  'codeowners',
]);

/** True when a bare token is plausibly a file path. */
export function looksLikePath(token: string): boolean {
  if (token === '' || /[\s`'"<>|*?]/.test(token)) return false;
  if (token.includes('://')) return false;
  if (/^[./]+$/.test(token) || token.endsWith('.')) return false;
  if (/^v?\d+(\.\d+)*$/.test(token)) return false;
  if (/^[=<>#-]/.test(token)) return false;
  const name = token.split('/').pop() ?? '';
  if (name === '') return false;
  return token.includes('/') || /\.[\w-]+$/.test(name) || BARE_NAMES.has(name.toLowerCase());
}

/** The path a line names, if the whole line is just a (decorated) path. */
export function pathFromLine(line: string): string | undefined {
  let t = line.trim();
  if (t === '' || t.startsWith('```') || t.startsWith('~~~')) return undefined;
  // A comment that names the file, as a label: `// src/a.js`, `/* a.css */`, `<!-- a.md -->`.
  t = t.replace(/^(?:\/\/|\/\*|<!--|--)\s*(.*?)\s*(?:\*\/|-->)?$/, '$1');
  t = t.replace(/^#{1,6}\s+/, '');
  t = t.replace(/^(?:[-*+]|\d+[.)])\s+/, '');
  t = t.replaceAll('**', '');
  t = t.replace(/^(?:file(?:name)?|path)\s*:\s*/i, '');
  t = t.replace(/:\s*$/, '').trim();
  t = t.replace(/^[`'"*]+|[`'"*]+$/g, '');
  t = t.replace(/:$/, '').replaceAll('\\_', '_');
  if (looksLikePath(t)) return t;

  // A sentence that ends by naming the file: "Here is the updated `src/pager.ts`:".
  const tail = /`([^`\s]+)`\**\s*:?\s*$/.exec(line.trim());
  if (tail && looksLikePath(tail[1]!)) return tail[1];
  return undefined;
}

/**
 * Splits a fence's info string into the language and a path some models put there:
 * "ts src/a.ts", "src/a.ts", "python:main.py", 'ts title="src/a.ts"'.
 */
export function parseInfo(info: string): { lang: string; path?: string } {
  const tokens = info.trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return { lang: '' };
  let lang = tokens[0]!;
  let found: string | undefined;
  const colon = /^([\w+#-]+):(.+)$/.exec(lang);
  if (colon && looksLikePath(colon[2]!)) {
    lang = colon[1]!;
    found = colon[2]!;
  } else if (lang.includes('/') && looksLikePath(lang)) {
    found = lang;
    lang = extensionLang(lang);
  } else if (/\.\w{1,8}$/.test(lang) && looksLikePath(lang)) {
    found = lang;
    lang = extensionLang(lang);
  }
  for (const tok of tokens.slice(1)) {
    if (found) break;
    const value = tok.replace(/^(?:title|file(?:name)?|path)=/i, '').replace(/^["']|["']$/g, '');
    if (looksLikePath(value)) found = value;
  }
  return { lang: lang.toLowerCase(), path: found };
}

const BY_EXTENSION: Record<string, string> = {
  py: 'python',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  mts: 'typescript',
  sh: 'bash',
  bash: 'bash',
  rb: 'ruby',
  pl: 'perl',
  php: 'php',
};

/** The language a file name suggests ('' when unknown). */
export function extensionLang(file: string): string {
  const ext = /\.([\w-]+)$/.exec(file)?.[1]?.toLowerCase() ?? '';
  return BY_EXTENSION[ext] ?? ext;
}

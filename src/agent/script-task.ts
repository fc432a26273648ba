/** Script tasks: the Coder's one fenced block becomes a file the orchestrator runs. */

const BY_LANG: Record<string, { ext: string; run: (file: string) => string }> = {
  python: { ext: 'py', run: (f) => `python3 ${f}` },
  py: { ext: 'py', run: (f) => `python3 ${f}` },
  python3: { ext: 'py', run: (f) => `python3 ${f}` },
  javascript: { ext: 'mjs', run: (f) => `node ${f}` },
  js: { ext: 'mjs', run: (f) => `node ${f}` },
  node: { ext: 'mjs', run: (f) => `node ${f}` },
  sh: { ext: 'sh', run: (f) => `sh ${f}` },
  bash: { ext: 'sh', run: (f) => `bash ${f}` },
  shell: { ext: 'sh', run: (f) => `sh ${f}` },
};

export function scriptFileName(lang: string): string {
  const known = BY_LANG[lang.toLowerCase()];
  return `solution.${known?.ext ?? 'py'}`;
}

export function scriptCommand(file: string): string {
  const ext = file.split('.').pop() ?? 'py';
  const entry = Object.values(BY_LANG).find((l) => l.ext === ext) ?? BY_LANG.python!;
  return entry.run(file);
}

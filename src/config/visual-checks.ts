/**
 * What the schema cannot say about the `visual` section, because it depends on two fields that
 * may come from different layers (the user config's `start`, the repo's `url`): checked once on
 * the merged configuration.
 */
import type { Config } from './schema.js';

export interface VisualProblem {
  path: string[];
  message: string;
}

export function visualProblems(visual: Config['visual']): VisualProblem[] {
  if (!visual) return [];
  const isFile = visual.url.startsWith('file://');
  if (isFile && visual.start !== null)
    return [
      {
        path: ['visual', 'start'],
        message:
          'a file:// page is opened as it is, with nothing to start: remove "start", or give an http url with {port}',
      },
    ];
  if (!isFile && visual.url.includes('{port}') && visual.start === null)
    return [
      {
        path: ['visual', 'start'],
        message:
          `missing; ${JSON.stringify(visual.url)} is served on the {port} factory picks, so "start" must name ` +
          'the command that serves it there, e.g. "npm run dev -- --port {port}" (or use a file:// url for a static page)',
      },
    ];
  return [];
}

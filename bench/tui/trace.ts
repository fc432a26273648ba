import { median } from '../timing.js';
import type { Mounted } from './mount.js';

/** Where the time from an event (a key press, the mount) to the frame it caused went, in ms. */
export interface FrameLegs {
  /** From the event to Ink starting the frame: input, React, the Yoga layout. */
  beforeInk: number;
  /** `beforeInk` split at React's last commit; absent when React keeps no Profiler timings (production build). */
  react?: {
    /** From the event to React starting to render the update: input parsing, the scheduler, data loads. */
    wait: number;
    /** React's render phase (components, reconciliation). */
    render: number;
    /**
     * From React's commit to Ink starting its frame: DOM mutations, the Yoga layout, and any wait
     * in Ink's 60 fps throttle (a frame drawn less than 17 ms before delays this one).
     */
    layout: number;
    /** React commits in the interval (more than one: an earlier state was drawn too). */
    commits: number;
  };
  /** Ink turning the laid-out tree into the frame's text (its `renderTime`). */
  ink: number;
  /** From Ink's text to the write on the terminal: log-update comparing and erasing. */
  write: number;
}

/** The legs of the frame written at `written` after an event at `t0`, from the last commit and Ink render between them. */
export function frameLegs(m: Mounted, t0: number, written: number): FrameLegs | undefined {
  const r = m.renders.filter((x) => x.at >= t0 && x.at <= written).pop();
  if (!r) return undefined;
  const inkStart = r.at - r.ms;
  const commits = m.commits.filter((c) => c.start >= t0 && c.commit <= inkStart);
  const c = commits[commits.length - 1];
  return {
    beforeInk: inkStart - t0,
    ...(c
      ? {
          react: {
            wait: c.start - t0,
            render: c.commit - c.start,
            layout: inkStart - c.commit,
            commits: commits.length,
          },
        }
      : {}),
    ink: r.ms,
    write: written - r.at,
  };
}

const f1 = (x: number) => x.toFixed(1);
const med = (xs: number[]) => f1(median(xs));

/** The median of each leg, in words: `wait for React 1.2 · React render 3.4 · ...`. */
export function describeLegs(legs: FrameLegs[], waitLabel = 'wait for React'): string {
  if (!legs.length) return 'no frame could be traced';
  const split = legs.flatMap((l) => (l.react ? [l.react] : []));
  const head =
    split.length === legs.length
      ? [
          `${waitLabel} ${med(split.map((s) => s.wait))}`,
          `React render ${med(split.map((s) => s.render))}`,
          `commit + Yoga layout + throttle ${med(split.map((s) => s.layout))}`,
        ]
      : [
          `before Ink (${waitLabel}, React, Yoga; no Profiler timings in this build) ${med(legs.map((l) => l.beforeInk))}`,
        ];
  return [
    ...head,
    `Ink output ${med(legs.map((l) => l.ink))}`,
    `log-update write ${med(legs.map((l) => l.write))}`,
  ].join(' · ');
}

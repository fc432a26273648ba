export const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

/** The first visible row after moving to `selected`: scroll only as far as needed. */
export function follow(top: number, selected: number, height: number, total: number): number {
  let t = top;
  if (selected < t) t = selected;
  if (selected >= t + height) t = selected - height + 1;
  return clamp(t, 0, Math.max(0, total - height));
}

/** Where a scroll position lands after a move, kept inside the content. */
export function scrollTo(top: number, total: number, height: number): number {
  return clamp(top, 0, Math.max(0, total - height));
}

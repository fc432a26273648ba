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

/** The first row after a line or page move (not yet kept inside the content), or null for any other action. */
export function scrolled(action: string, at: number, height: number): number | null {
  switch (action) {
    case 'up':
      return at - 1;
    case 'down':
      return at + 1;
    case 'pageUp':
      return at - (height - 1);
    case 'pageDown':
      return at + (height - 1);
    case 'top':
      return 0;
    default:
      return null;
  }
}

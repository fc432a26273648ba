/**
 * The slots of one endpoint as the queue sees them. A local server reuses the prefix of the
 * prompt it served last on a slot (llama-server's KV cache per slot) or recently (mlx_lm.server's
 * prompt cache), so which task a slot served last decides what the next request on it costs: a
 * task kept on its slot pays only for what its prompt added since.
 */
export interface SlotState {
  /** Its index: llama-server's `id_slot`. */
  readonly id: number;
  busy: boolean;
  /** The task it served last: the prefix the server's cache holds for it. */
  task?: string;
  /** `performance.now()` when it was last taken or freed. */
  usedAt: number;
  /** Kept free for this task's follow-up until `reservedUntil`. */
  reservedFor?: string;
  reservedUntil: number;
  /** The priority of the request that left it: a higher one waiting ends the reservation. */
  reservedPriority: number;
}

/** How the queue orders waiting requests. */
export type Schedule = 'cache-aware' | 'round-robin' | 'fifo';

export function makeSlots(n: number): SlotState[] {
  return Array.from({ length: n }, (_, id) => ({
    id,
    busy: false,
    usedAt: 0,
    reservedUntil: 0,
    reservedPriority: 0,
  }));
}

/** Whether `task` may take the slot now: free, and not kept for another task's follow-up. */
export function usable(slot: SlotState, task: string, now: number): boolean {
  return (
    !slot.busy && (slot.reservedFor === undefined || slot.reservedFor === task || slot.reservedUntil <= now)
  );
}

/** Free slots kept for other tasks than `task`: taken for `task`, as far as load goes. */
export function keptForOthers(slots: readonly SlotState[], task: string, now: number): number {
  let n = 0;
  for (const s of slots)
    if (!s.busy && s.reservedFor !== undefined && s.reservedFor !== task && s.reservedUntil > now) n++;
  return n;
}

/** The slot `task` should take among the usable ones: the one holding its prefix, else the one used longest ago. */
export function slotFor(slots: readonly SlotState[], task: string, now: number): SlotState | undefined {
  let best: SlotState | undefined;
  for (const s of slots) {
    if (!usable(s, task, now)) continue;
    if (s.task === task) return s;
    if (!best || s.usedAt < best.usedAt) best = s;
  }
  return best;
}

/** The earliest end of a reservation still running, if any. */
export function nextReservationEnd(slots: readonly SlotState[], now: number): number | undefined {
  let at: number | undefined;
  for (const s of slots)
    if (
      !s.busy &&
      s.reservedFor !== undefined &&
      s.reservedUntil > now &&
      (at === undefined || s.reservedUntil < at)
    )
      at = s.reservedUntil;
  return at;
}

/**
 * llama-server's `id_slot` in a JSON request body, so the request lands on the slot whose cache
 * holds its prefix. A body that is not a JSON object is left as it is.
 */
export function withSlot(body: Buffer, slot: number): Buffer {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return body;
    return Buffer.from(JSON.stringify({ ...parsed, id_slot: slot, cache_prompt: true }));
  } catch {
    return body;
  }
}

/** The same for a request the client builds: the slot the queue chose holds the task's prefix. */
export function withSlotField<B extends object>(body: B, endpoint: { slot?: number }): B {
  return endpoint.slot === undefined ? body : { ...body, id_slot: endpoint.slot, cache_prompt: true };
}

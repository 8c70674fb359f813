// Parked orders arrive in batches (a hanging receiver sends thousands of them). One
// INSERT … ON CONFLICT writes a batch, but PostgreSQL refuses to touch a row twice in one
// statement, so the parks of one delivery within a batch are first reduced to the one
// that would have been left standing had they been written one after another, in order.
import type { DispatchOrder } from '@hookline/contracts';

export interface Park {
  order: DispatchOrder;
  dueAt: Date;
}

/**
 * The same rule as the statement's ON CONFLICT clause, applied within the batch: a later
 * park replaces an earlier one of the same delivery only for the same attempt and with a
 * higher park count; anything else keeps what came first. Order of first appearance is kept.
 */
export function latestParks(parks: readonly Park[]): Park[] {
  const kept = new Map<string, Park>();
  for (const p of parks) {
    const id = p.order.deliveryId;
    const prev = kept.get(id);
    if (!prev || (prev.order.attempt === p.order.attempt && (prev.order.parked ?? 0) < (p.order.parked ?? 0))) kept.set(id, p);
  }
  return [...kept.values()];
}

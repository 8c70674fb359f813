// What the main thread and the receiver worker say to each other, and the layout of
// the shared counters.

export type ReceiverMode = 'ok' | 'hang' | '503';

export const MAX_RECEIVERS = 64;

/** Int32 counters per receiver, in this order. */
export const FIELD = { requests: 0, unique: 1, duplicates: 2, hung: 3, rejected: 4, sigChecked: 5, sigBad: 6 } as const;
export const FIELDS = 7;
/** After the per-receiver counters: one Int32 bumped (and notified) on every new delivery at any receiver. */
export const ANY_SLOT = MAX_RECEIVERS * FIELDS;
export const COUNTER_SLOTS = ANY_SLOT + 1;

export interface WorkerData {
  counters: SharedArrayBuffer;
  /** Float64 per receiver: first and last time a new delivery arrived (nowMs). */
  times: SharedArrayBuffer;
  /** Verify one signature in this many requests. */
  verifyEvery: number;
}

export type FarmRequest =
  | { id: number; type: 'add'; count: number }
  | { id: number; type: 'configure'; index: number; mode?: ReceiverMode; secret?: string }
  | { id: number; type: 'record'; on: boolean }
  | { id: number; type: 'latencies' }
  | { id: number; type: 'close' };

export interface FarmReply {
  id: number;
  error?: string;
  ports?: number[];
  first?: number;
  latencies?: Float64Array;
  fromAttempt?: Float64Array;
}

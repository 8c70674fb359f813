// The limits both sides of a script run agree on: the script threads (script-run.ts) apply
// them, the serving thread (script-runner.ts, the ingest) relies on them. Kept apart so the
// serving thread can read them without loading QuickJS.

/**
 * Most bytes one record of a script's result may take as JSON. A record is published as one
 * NATS message, and the server's max_payload is 1 MB: this leaves room for the message's
 * envelope (the change, its key, headers) with a margin.
 */
export const MAX_SCRIPT_RECORD_BYTES = 512 * 1024;

/** What a sender is told to wait before trying again when a script could not run (not its own fault). */
export const SCRIPT_RETRY_AFTER_SECONDS = 2;

/**
 * The wall-clock cap of a run (20 times its CPU time limit, at least 1 s): a starved run
 * fails with the time limit once it has taken that long.
 */
export function wallCapMs(timeoutMs: number): number {
  return Math.max(1000, 20 * timeoutMs);
}

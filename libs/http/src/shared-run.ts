// One run of an expensive check shared by every caller who asks while it runs, and its
// result reused for a moment after: GET /ready is public, and each run of the readiness
// checks is a PostgreSQL query and a JetStream API request per stream and consumer, so
// a caller flooding it made the service flood its own dependencies.

/**
 * A function that runs `run` at most once at a time: a call while a run is in flight gets
 * that run's promise, and a call within `reuseMs` of a run's end gets its result.
 * A failed run is not reused.
 */
export function sharedRun<T>(run: () => Promise<T>, reuseMs: number, now: () => number = () => performance.now()): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  let last: { value: T; at: number } | undefined;
  return () => {
    if (inFlight) return inFlight;
    if (last && now() - last.at < reuseMs) return Promise.resolve(last.value);
    const current = run().then(
      (value) => {
        last = { value, at: now() };
        inFlight = undefined;
        return value;
      },
      (err: unknown) => {
        inFlight = undefined;
        throw err;
      },
    );
    inFlight = current;
    return current;
  };
}

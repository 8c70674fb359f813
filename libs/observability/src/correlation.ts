// The correlation id of the work in progress, carried from HTTP headers into NATS
// headers and back, so one request can be followed through every service's log.
//
// Inside a scope the id lives in an AsyncLocalStorage. On Node 20 that storage works
// through async hooks, and once they are enabled they run for every promise and native
// handle the process makes, in a scope or not: with them off, the dispatcher spent 15–20 %
// less CPU per delivery at half load (the README's "Correlation scopes only while one is
// open"). So the storage is enabled only while a scope is open: run() opens one that ends
// when its function's result settles, runUntilClosed() one that ends when the HTTP
// response closes, and when the last one ends the storage is disabled, and the hooks with it.
// Work a scope started without waiting for it loses the id once every scope has ended.
//
// The hot paths open none (the dispatcher's consumers, webhook-listener's ingest and
// apply): they have the id of their request or message (ConsumedMessage.correlationId)
// and pass it on themselves where it matters, as a header of what they publish
// (PublishOptions.headers, NatsRpc.call's correlationId) and a field of their log lines.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface Context {
  correlationId: string;
}

const storage = new AsyncLocalStorage<Context>();
/** Scopes open now; the storage (and Node's async hooks) is enabled only while this is above 0. */
let open = 0;

/** Opens a scope of this id (a new one when it is missing or not acceptable); end() closes it, once. */
function openScope(correlationId: string | undefined): { ctx: Context; end: () => void } {
  open++;
  let ended = false;
  return {
    ctx: { correlationId: sanitize(correlationId) ?? randomUUID() },
    end: () => {
      if (ended) return;
      ended = true;
      open--;
      if (open === 0) storage.disable();
    },
  };
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof (x as PromiseLike<unknown> | null)?.then === 'function';
}

export const correlation = {
  /** Runs fn inside a scope of this id (a new one when it is missing or not acceptable) until fn's result settles. */
  run<T>(correlationId: string | undefined, fn: () => T): T {
    const scope = openScope(correlationId);
    let out: T;
    try {
      out = storage.run(scope.ctx, fn);
    } catch (err) {
      scope.end();
      throw err;
    }
    if (isThenable(out)) out.then(scope.end, scope.end);
    else scope.end();
    return out;
  },

  /** Runs fn inside a scope of this id that lasts until `res` emits close (an HTTP response outlives its handler's call). */
  runUntilClosed<T>(correlationId: string | undefined, res: { once(event: 'close', listener: () => void): unknown }, fn: () => T): T {
    const scope = openScope(correlationId);
    res.once('close', scope.end);
    try {
      return storage.run(scope.ctx, fn);
    } catch (err) {
      scope.end();
      throw err;
    }
  },

  current(): string | undefined {
    return open > 0 ? storage.getStore()?.correlationId : undefined;
  },

  /** Scopes open now (0: the async hooks are off). */
  openScopes(): number {
    return open;
  },
};

/** Accepts a caller's id only if it is short and printable, so it cannot forge log lines. */
export function sanitize(id: string | undefined): string | undefined {
  if (!id) return undefined;
  return /^[A-Za-z0-9._:-]{1,128}$/.test(id) ? id : undefined;
}

// The correlation id of the work in progress, carried from HTTP headers into NATS
// headers and back, so one request can be followed through every service's log.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface Context {
  correlationId: string;
}

const storage = new AsyncLocalStorage<Context>();

export const correlation = {
  run<T>(correlationId: string | undefined, fn: () => T): T {
    return storage.run({ correlationId: sanitize(correlationId) ?? randomUUID() }, fn);
  },
  current(): string | undefined {
    return storage.getStore()?.correlationId;
  },
};

/** Accepts a caller's id only if it is short and printable, so it cannot forge log lines. */
export function sanitize(id: string | undefined): string | undefined {
  if (!id) return undefined;
  return /^[A-Za-z0-9._:-]{1,128}$/.test(id) ? id : undefined;
}

// Wall-clock milliseconds with sub-millisecond precision, comparable across worker threads.
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

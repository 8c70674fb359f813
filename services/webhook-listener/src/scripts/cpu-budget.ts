// A script's time limit is CPU time of the thread that runs it. The process's CPU time
// (process.cpuUsage) also counts V8's background threads, which compile the engine's
// WebAssembly and collect garbage while a script runs: on a busy machine a script that
// used 3 ms failed its 50 ms limit that way. Node 20 has no process.threadCpuUsage (it
// came in 23.9), and no package exposes CLOCK_THREAD_CPUTIME_ID without a native build;
// on Linux the kernel reports a thread's time on CPU, in nanoseconds, in
// /proc/thread-self/schedstat, which is read here (3.5 µs a read). Elsewhere, or where
// that file cannot be read, the process's CPU time is the fallback.
import { closeSync, openSync, readSync } from 'node:fs';

/** Milliseconds of CPU time since some fixed point. */
export type CpuClock = () => number;

let schedstat: number | undefined | null;
const buffer = Buffer.alloc(128);

function readSchedstat(): number | undefined {
  if (schedstat === null) return undefined;
  try {
    // Opened once by the thread that asks (/proc/thread-self is that thread), read again at 0.
    schedstat ??= openSync('/proc/thread-self/schedstat', 'r');
    const n = readSync(schedstat, buffer, 0, buffer.length, 0);
    const ns = Number(buffer.toString('latin1', 0, n).split(' ', 1)[0]);
    if (Number.isFinite(ns) && ns > 0) return ns / 1e6;
  } catch {
    // not Linux, or /proc not mounted
  }
  if (typeof schedstat === 'number') closeSync(schedstat);
  schedstat = null;
  return undefined;
}

function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The calling thread's CPU time in ms (the process's where the thread's cannot be read). */
export const threadCpuMs: CpuClock = () => readSchedstat() ?? processCpuMs();

export interface BudgetClocks {
  /** Monotonic wall-clock time in ms. */
  wall: () => number;
  cpu: CpuClock;
}

const DEFAULT_CLOCKS: BudgetClocks = { wall: () => performance.now(), cpu: threadCpuMs };

/**
 * A check that turns true once the calling thread has used more than `limitMs` of CPU time
 * since the budget was made. The CPU clock is read only once that much wall-clock time has
 * passed: a thread cannot have used more CPU time than the time that went by.
 */
export function cpuBudget(limitMs: number, clocks: BudgetClocks = DEFAULT_CLOCKS): () => boolean {
  const wall0 = clocks.wall();
  const cpu0 = clocks.cpu();
  return () => clocks.wall() - wall0 > limitMs && clocks.cpu() - cpu0 > limitMs;
}

// A script's time limit is CPU time of the thread that runs it. The process's CPU time
// (process.cpuUsage) also counts V8's background threads, which compile the engine's
// WebAssembly and collect garbage while a script runs: on a busy machine a script that
// used 3 ms failed its 50 ms limit that way. Node 20 has no process.threadCpuUsage (it
// came in 23.9), and no package exposes CLOCK_THREAD_CPUTIME_ID without a native build;
// on Linux the kernel reports a thread's time on CPU, in nanoseconds, in
// /proc/thread-self/schedstat, which is read here (3.5 µs a read). Elsewhere, or where
// that file cannot be read, the process's CPU time is the fallback.
import { closeSync, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';

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

/** A thread's id in the OS and its CPU time in ms at some moment (Linux). */
export interface ThreadCpuStamp {
  tid: number;
  cpuMs: number;
}

let osThreadId: number | undefined | null;

/**
 * The calling thread's OS id and CPU time now, for another thread of the process to tell
 * how much CPU it has used since (threadCpuMsOf), even while it cannot answer; undefined
 * where the thread's time cannot be read.
 */
export function threadCpuStamp(): ThreadCpuStamp | undefined {
  const cpuMs = osThreadId === null ? undefined : readSchedstat();
  if (cpuMs === undefined) return undefined;
  if (osThreadId === undefined) {
    try {
      // /proc/thread-self links to <pid>/task/<tid>.
      osThreadId = Number(/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]) || null;
    } catch {
      osThreadId = null;
    }
  }
  return osThreadId ? { tid: osThreadId, cpuMs } : undefined;
}

/** The CPU time in ms of a thread of this process by its OS id (threadCpuStamp); undefined once it is gone. */
export function threadCpuMsOf(tid: number): number | undefined {
  try {
    const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

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

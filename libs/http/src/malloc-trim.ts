// Memory the C library holds for nothing, given back every few seconds.
//
// Outside V8's heap, a service's resident size is mostly glibc's malloc arenas, and most of
// what they hold after a first load is V8's own scratch memory: its parser and compilers
// work in zone segments of 32-40 KB, allocated with malloc and freed when a function is
// compiled. glibc keeps the space they leave: it gives memory back by itself only from the
// top of a heap (M_TRIM_THRESHOLD), never from a hole below a block still in use, and the
// holes stay resident. So what a service held after the same load moved between runs with
// where its last live blocks happened to fall: the dispatcher rested at 122 MB after 10,000
// webhooks through `npm start` in one run and at 150-152 MB in another, with the same V8
// heap (bench/HISTORY.md, *What the C library's heap holds*).
//
// malloc_trim(0) hands back every whole free page of every arena (MADV_DONTNEED), holes
// included. Node has no binding for it, so it is called through koffi, a foreign-function
// library that ships prebuilt binaries (no compiler on the machine, no install script).
// Where there is no glibc (musl, macOS, Windows) the function is not found and nothing is
// scheduled.
//
// Measured with `npm run bench -- --only npm-start`, three alternating pairs (7 December,
// 12:50-13:01 UTC): the largest service after that load 151 / 137 / 150 MB without, 136 /
// 135 / 136 MB with (the dispatcher 151 / 122 / 150 against 131 / 122 / 122); idle no
// different. A trim took 0.1-0.6 ms on average (11.7 ms at the longest), and the CPU per
// delivery did not move (bench/HISTORY.md, *Memory*, has the figures).
type Timer = { unref?: () => unknown };

/** glibc's malloc_trim: 1 when memory was given back, 0 when there was none to give. */
export type MallocTrim = (pad: number) => number;

/** The libc whose malloc_trim is called (glibc's soname on every Linux it runs on). */
const LIBC = 'libc.so.6';

/**
 * glibc's malloc_trim, or undefined where there is none (not Linux, musl, koffi's binary
 * missing for this platform): then the caller does nothing.
 */
export function loadMallocTrim(load: () => { load(path: string): { func(decl: string): unknown } } = () => require('koffi')): MallocTrim | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return load().load(LIBC).func('int malloc_trim(size_t pad)') as MallocTrim;
  } catch {
    return undefined;
  }
}

export interface MallocTrimOptions {
  /** How often; 0 turns it off. */
  intervalMs: number;
  /** The function (tests give their own); by default glibc's, through koffi. */
  trim?: MallocTrim;
  every?: (fn: () => void, ms: number) => Timer;
}

/**
 * Calls malloc_trim(0) every intervalMs (the timer does not keep the process alive).
 * Returns whether it was scheduled: false when turned off or where there is no glibc.
 */
export function scheduleMallocTrim(opts: MallocTrimOptions): boolean {
  if (!(opts.intervalMs > 0)) return false;
  const trim = opts.trim ?? loadMallocTrim();
  if (!trim) return false;
  const every = opts.every ?? ((fn, ms) => setInterval(fn, ms));
  every(() => trim(0), opts.intervalMs).unref?.();
  return true;
}

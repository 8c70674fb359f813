// A transform script's run, in QuickJS compiled to WebAssembly (quickjs-emscripten): a
// separate JavaScript engine with its own heap, no file system, network, process, timers
// or require, and no path back into Node's objects (values cross as JSON text). Each run
// gets a fresh runtime in an engine whose memory cannot grow past the listener's limit
// (script-engines.ts), and a limit on the CPU time of the thread running it
// (cpu-budget.ts), so a script that throws, loops or allocates without end fails that one
// request and nothing else. This runs on the script threads (script-worker.ts,
// script-runner.ts), never on the thread that serves requests.
import type { QuickJSWASMModule } from 'quickjs-emscripten-core';
import { DEFAULT_JSON_LIMITS, parseJsonText } from '@hookline/listener-tables';
import { cpuBudget } from './cpu-budget';
import { maximumPages, type ScriptEngines, type ScriptEngine } from './script-engines';
import { MAX_SCRIPT_RECORD_BYTES, SCRIPT_RETRY_AFTER_SECONDS, wallCapMs } from './script-limits';

/** What a script receives as `request`. */
export interface ScriptRequest {
  method: string;
  /** Header names in lower case; the token and credentials are removed. */
  headers: Record<string, string>;
  query: Record<string, string>;
  params: { serviceId: string; listenerId: string; recordId?: string };
  /** The parsed JSON body, or null. */
  body: unknown;
}

export type ScriptOutcome =
  /** undefined: the script returned nothing; the request is handled as if there were no script. */
  | { kind: 'records'; value: unknown }
  | { kind: 'rejected'; message: string; status: number }
  /** The script's own fault (it threw, outran its time or memory limit, returned something unusable): final. */
  | { kind: 'failed'; message: string }
  /** Not the script's fault (its engine or thread could not start, crashed, was stuck, or none was free): the request may be sent again. */
  | { kind: 'unavailable'; message: string; retryAfterSeconds: number };

export interface ScriptLimits {
  timeoutMs: number;
  memoryMb: number;
}

// reject() throws a marked object; a script that catches it only undoes its own rejection.
const PRELUDE = `
function reject(message, status) { throw { __hooklineReject: true, message: String(message === undefined ? 'rejected by the listener script' : message), status: status }; }
`;
const CALL = `
(function () {
  if (typeof transform !== 'function') throw new Error('the script must define function transform(request)');
  var out = transform(JSON.parse(__hooklineInput));
  return out === undefined ? '{"u":1}' : JSON.stringify({ v: out });
})()
`;
const MAX_OUTPUT_CHARS = 4 * 1024 * 1024;

const WARM_UP_SOURCE = 'function transform(r) { return r.body.items.map(function (x) { return { id: x.id, n: String(x.n) + r.query.q }; }); }';
const WARM_UP_REQUEST: ScriptRequest = { method: 'POST', headers: {}, query: { q: 'x' }, params: { serviceId: 's', listenerId: 'l' }, body: { items: [{ id: 1, n: 2 }] } };

/**
 * Runs a script once in a new engine, with no time limit: V8 compiles the engine's
 * WebAssembly functions on their first call, which made a first request cost 35 ms.
 */
export function warmUp(engine: ScriptEngine): void {
  runIn(engine, WARM_UP_SOURCE, WARM_UP_REQUEST, { timeoutMs: 60_000, memoryMb: engine.memoryMb });
}

/**
 * One request's run: an engine for its memory limit from `engines`, a fresh runtime in
 * it, and the engine given back (or dropped: see below). `problem` is what to log when the
 * engine could not start or had to be dropped.
 */
export async function runScript(
  engines: ScriptEngines,
  source: string,
  request: ScriptRequest,
  limits: ScriptLimits,
  /** Called as the script starts, once its engine is ready. */
  onStart: () => void = () => undefined,
): Promise<{ outcome: ScriptOutcome; problem?: string }> {
  let engine: ScriptEngine;
  try {
    engine = await engines.acquire(limits.memoryMb);
  } catch (err) {
    return {
      outcome: { kind: 'unavailable', message: 'the script engine could not start; try again', retryAfterSeconds: SCRIPT_RETRY_AFTER_SECONDS },
      problem: `the script engine could not start: ${(err as Error).message}`,
    };
  }
  onStart();
  let r: { outcome: ScriptOutcome; broken: boolean };
  try {
    r = runIn(engine, source, request, limits);
  } catch (err) {
    // The engine's own allocations fail that way too (a request larger than its memory).
    const message = memoryFull(engine) ? `exceeded the memory limit of ${limits.memoryMb} MB` : `the script engine failed: ${(err as Error).message}`.slice(0, 500);
    r = { outcome: { kind: 'failed', message }, broken: true };
  }
  // QuickJS can abort while freeing a runtime a script left in a bad state (after a stack
  // overflow): that instance is not used again, the next request gets a fresh one. One
  // whose memory grew is dropped too, to give the memory back.
  engines.release(engine, { broken: r.broken });
  return r.broken ? { outcome: r.outcome, problem: 'the script engine aborted; loading a fresh one' } : { outcome: r.outcome };
}

/** One run in a fresh runtime; `broken` when the engine must not be used again. Exported for tests. */
export function runIn(engine: ScriptEngine, source: string, request: ScriptRequest, limits: ScriptLimits): { outcome: ScriptOutcome; broken: boolean } {
  let outcome: ScriptOutcome = { kind: 'failed', message: 'the script did not run' };
  let broken = false;
  const runtime = engine.module.newRuntime();
  try {
    outcome = runInRuntime(runtime, source, request, limits, () => memoryFull(engine));
  } finally {
    try {
      runtime.dispose();
    } catch {
      broken = true;
    }
  }
  return { outcome, broken };
}

/**
 * The engine's memory is within 1 MB of its maximum (which is always beyond its initial
 * size, so an engine that did not grow is never full). QuickJS that cannot allocate even
 * the error it would throw throws null: with the memory full, that null is the limit.
 */
function memoryFull(engine: ScriptEngine): boolean {
  return engine.memory.buffer.byteLength + 1024 * 1024 > maximumPages(engine.memoryMb) * 65536;
}

function runInRuntime(runtime: ReturnType<QuickJSWASMModule['newRuntime']>, source: string, request: ScriptRequest, limits: ScriptLimits, memoryFull: () => boolean): ScriptOutcome {
  runtime.setMemoryLimit(limits.memoryMb * 1024 * 1024);
  // Beyond about 300 KB the WebAssembly frames exhaust V8's own stack before QuickJS notices.
  runtime.setMaxStackSize(256 * 1024);
  // The time limit is the CPU time of this thread, so a busy machine does not fail a
  // script that is within it; a wall-clock cap (20 times the limit, at least 1 s) still
  // bounds a starved run.
  const overBudget = cpuBudget(limits.timeoutMs);
  const wallCap = Date.now() + wallCapMs(limits.timeoutMs);
  let overTime = false;
  runtime.setInterruptHandler(() => (overTime = overBudget() || Date.now() > wallCap));
  // The request goes into the engine as JSON text, copied by a path QuickJS's limits do
  // not guard: one larger than the limit fails here, before it is copied.
  const json = JSON.stringify(request);
  if (Buffer.byteLength(json) > limits.memoryMb * 1024 * 1024) return { kind: 'failed', message: `the request is larger than the memory limit of ${limits.memoryMb} MB` };
  const ctx = runtime.newContext();
  try {
    const input = ctx.newString(json);
    ctx.setProp(ctx.global, '__hooklineInput', input);
    input.dispose();
    const failed = (phase: string, errorHandle: Parameters<typeof ctx.dump>[0]): ScriptOutcome => {
      const e = ctx.dump(errorHandle) as { __hooklineReject?: boolean; message?: string; status?: unknown; name?: string } | string | undefined;
      errorHandle.dispose();
      if (e && typeof e === 'object' && e.__hooklineReject) {
        const status = typeof e.status === 'number' && Number.isInteger(e.status) && e.status >= 400 && e.status <= 499 ? e.status : 400;
        return { kind: 'rejected', message: String(e.message).slice(0, 1000), status };
      }
      const text = typeof e === 'object' && e ? `${e.name ?? 'Error'}: ${e.message ?? ''}` : String(e);
      if (/interrupted/.test(text) && overTime) return { kind: 'failed', message: `${phase}: exceeded the time limit of ${limits.timeoutMs} ms` };
      if (/out of memory/i.test(text) || (e === null && memoryFull())) return { kind: 'failed', message: `${phase}: exceeded the memory limit of ${limits.memoryMb} MB` };
      return { kind: 'failed', message: `${phase}: ${text}`.slice(0, 1000) };
    };
    const defined = ctx.evalCode(`${PRELUDE}\n${source}`, 'listener-script.js');
    if (defined.error) return failed('the script failed to load', defined.error);
    defined.value.dispose();
    const called = ctx.evalCode(CALL, 'listener-call.js');
    if (called.error) return failed('transform(request) failed', called.error);
    const out = ctx.getString(called.value);
    called.value.dispose();
    if (out.length > MAX_OUTPUT_CHARS) return { kind: 'failed', message: 'transform(request) returned more than 4 MB' };
    const parsed = parseJsonText(out, { ...DEFAULT_JSON_LIMITS, maxDepth: DEFAULT_JSON_LIMITS.maxDepth + 1 });
    if (!parsed.ok) return { kind: 'failed', message: `transform(request) returned something that is not JSON data: ${parsed.problem.message}` };
    const wrapper = parsed.value as { u?: number; v?: unknown };
    if (wrapper.u === 1) return { kind: 'records', value: undefined };
    const large = largeRecord(wrapper.v, out);
    if (large) {
      return { kind: 'failed', message: `transform(request) returned a record too large: record ${large.index} is ${large.bytes} bytes as JSON; a record may be at most ${MAX_SCRIPT_RECORD_BYTES} bytes` };
    }
    return { kind: 'records', value: wrapper.v };
  } finally {
    ctx.dispose();
  }
}

/**
 * The first record of a result (an array's items, else the value itself, as the ingest
 * takes them) larger than MAX_SCRIPT_RECORD_BYTES as JSON: each is published as one message.
 */
function largeRecord(value: unknown, resultJson: string): { index: number; bytes: number } | undefined {
  // No record is larger than the whole result.
  if (Buffer.byteLength(resultJson) <= MAX_SCRIPT_RECORD_BYTES) return undefined;
  const records = Array.isArray(value) ? value : [value];
  for (let index = 0; index < records.length; index++) {
    const bytes = Buffer.byteLength(JSON.stringify(records[index]));
    if (bytes > MAX_SCRIPT_RECORD_BYTES) return { index, bytes };
  }
  return undefined;
}

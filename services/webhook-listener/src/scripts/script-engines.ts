// The QuickJS engines scripts run in: WebAssembly instances of one compiled module, each
// with a linear memory whose maximum is the memory limit.
//
// QuickJS's own limit (runtime.setMemoryLimit) does not bound what a script holds in this
// build: Emscripten's C library reports no usable size for an allocation, so QuickJS
// counts 8 bytes per allocation whatever its size (its memory dump says "malloc_usable_size
// unavailable"; quickjs-emscripten issues 255 and 271). A script pushing 100 KB strings
// grew the engine's memory to 2 GB, the WebAssembly maximum, in 8 to 19 s of CPU before it
// failed, and that memory stayed with the service. The engine imports its memory, so the
// bound is put there: an instance whose memory cannot grow past the limit makes QuickJS's
// allocations fail, and the script fails with "out of memory" within milliseconds.
//
// An instance serves one memory limit (a memory's maximum is fixed when it is made): a
// few are kept, the least recently used dropped. An instance whose memory grew during a
// run is dropped after it, so that memory goes back to the system and an idle service
// holds only the instances' initial memory.
import { readFileSync } from 'node:fs';
import variant from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';

// The project's TypeScript library (ES2023, no DOM) does not describe WebAssembly: the two
// classes used here, as far as they are used.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
const MB = 1024 * 1024;

/** The engine's WebAssembly module declares 16 MB of memory; it cannot start with less. */
export const ENGINE_INITIAL_BYTES = 16 * MB;

/**
 * What an instance needs besides the script's heap: the C library's static data and stack
 * and QuickJS's runtime and context. Measured: with 16 MB of memory a script held 11.3 MB
 * of strings before it ran out.
 */
export const ENGINE_OVERHEAD_BYTES = 5 * MB;

/** How many instances (memory limits) a service keeps, split between its script threads. */
export const KEPT_ENGINES = 4;

/**
 * The memory pages an instance for `memoryMb` may grow to: the limit plus the engine's own
 * needs, and at least 1 MB more than the initial 16 MB. An instance can always grow, so
 * one whose script ran out shows it (its memory at the maximum; see memoryFull).
 */
export function maximumPages(memoryMb: number): number {
  return Math.ceil(Math.max(ENGINE_INITIAL_BYTES + MB, ENGINE_OVERHEAD_BYTES + memoryMb * MB) / PAGE);
}

export interface ScriptEngine {
  readonly memoryMb: number;
  readonly module: QuickJSWASMModule;
  readonly memory: WasmMemory;
}

interface Entry {
  ready: Promise<ScriptEngine>;
  engine?: ScriptEngine;
}

export class ScriptEngines {
  private compiled?: object;
  /** By memory limit, least recently used first. */
  private readonly entries = new Map<number, Entry>();

  constructor(
    private readonly warm: (engine: ScriptEngine) => void = () => undefined,
    /** Instances kept at most (the least recently used dropped beyond). */
    private readonly keep = KEPT_ENGINES,
  ) {}

  /** Instances kept now. */
  get size(): number {
    return this.entries.size;
  }

  /** An instance for this memory limit. */
  acquire(memoryMb: number): Promise<ScriptEngine> {
    let entry = this.entries.get(memoryMb);
    if (entry) this.entries.delete(memoryMb);
    else {
      const e: Entry = { ready: this.create(memoryMb) };
      e.ready.then(
        (engine) => (e.engine = engine),
        // A failed start is not kept: the next request tries again.
        () => this.entries.get(memoryMb) === e && this.entries.delete(memoryMb),
      );
      entry = e;
    }
    this.entries.set(memoryMb, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.keep) break;
      this.entries.delete(oldest);
    }
    return entry.ready;
  }

  /**
   * After a run: an instance QuickJS declared unusable, or whose memory grew past its
   * initial size, is dropped (the memory it grew to goes with it).
   */
  release(engine: ScriptEngine, opts: { broken: boolean }): { dropped: boolean } {
    if (!opts.broken && engine.memory.buffer.byteLength <= ENGINE_INITIAL_BYTES) return { dropped: false };
    if (this.entries.get(engine.memoryMb)?.engine === engine) this.entries.delete(engine.memoryMb);
    return { dropped: true };
  }

  private async create(memoryMb: number): Promise<ScriptEngine> {
    // Compiled once; V8 shares the compiled code between instances.
    this.compiled ??= new wasm.Module(readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')));
    const memory = new wasm.Memory({ initial: ENGINE_INITIAL_BYTES / PAGE, maximum: maximumPages(memoryMb) });
    const module = await newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule: this.compiled, wasmMemory: memory }));
    const engine: ScriptEngine = { memoryMb, module, memory };
    this.warm(engine);
    return engine;
  }
}

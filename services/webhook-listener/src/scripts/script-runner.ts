// Transform scripts run on threads of their own (worker_threads), never on the thread that
// serves requests: a script may use its whole time limit (up to a second, 50 ms by
// default) and its engine's allocations, and that must not hold up other listeners'
// requests. Each thread keeps its own QuickJS engines (script-run.ts, script-engines.ts);
// the request goes to it as a structured copy and the outcome comes back the same way.
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { LOGGER, Logger } from '@hookline/observability';
import type { WebhookListenerConfig } from '../config';
import type { ScriptLimits, ScriptOutcome, ScriptRequest } from './script-run';
import type { ScriptJob, ScriptThreadData } from './script-worker';

export type { ScriptLimits, ScriptOutcome, ScriptRequest } from './script-run';

interface Pending {
  resolve: (o: ScriptOutcome) => void;
  timer: NodeJS.Timeout;
}

interface ScriptThread {
  worker: Worker;
  busy: number;
  pending: Map<number, Pending>;
}

/** Past a script's own wall-clock cap (script-run.ts: 20 times its limit, at least 1 s), how long a thread may take to answer before it is stopped. */
const THREAD_GRACE_MS = 5000;

/**
 * The script thread's entry: the file next to this one, compiled or, when the service runs
 * from TypeScript, the source (a thread inherits the service's node options, its register
 * hook included).
 */
function workerEntry(): string {
  return join(__dirname, `script-worker${extname(__filename)}`);
}

/**
 * Threads are started when a script first runs, not when the service starts (a service
 * whose listeners have no script never holds one: a thread and its engine held about
 * 40 MB resident after 200 runs, compiled build): `scriptThreads` of them (one that stopped is replaced when needed).
 * A request goes to an idle one, else waits for the least busy.
 */
@Injectable()
export class ScriptRunner implements OnModuleDestroy {
  private readonly threads: ScriptThread[] = [];
  private nextId = 0;
  private readonly maxThreads: number;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) config: Pick<WebhookListenerConfig, 'scriptThreads'>,
  ) {
    this.maxThreads = config.scriptThreads;
  }

  run(source: string, request: ScriptRequest, limits: ScriptLimits): Promise<ScriptOutcome> {
    let thread: ScriptThread;
    try {
      thread = this.threadFor();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'a script thread could not start');
      return Promise.resolve({ kind: 'failed', message: 'the script engine could not start; try again' });
    }
    const id = ++this.nextId;
    return new Promise<ScriptOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn({ timeoutMs: limits.timeoutMs }, 'a script thread did not answer in time; stopping it');
        this.drop(thread, 'the script did not finish in time');
      }, Math.max(1000, 20 * limits.timeoutMs) + THREAD_GRACE_MS);
      thread.pending.set(id, { resolve, timer });
      thread.busy++;
      thread.worker.postMessage({ id, source, request, limits } satisfies ScriptJob);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }

  private threadFor(): ScriptThread {
    // All of them at once: a thread takes a while to start (its engine's WebAssembly is
    // compiled on its first run), better paid once than by a request that finds the
    // others busy later.
    if (this.threads.length === 0) for (let i = 0; i < this.maxThreads; i++) this.start();
    const idle = this.threads.find((t) => t.busy === 0);
    if (idle) return idle;
    if (this.threads.length < this.maxThreads) return this.start();
    return this.threads.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  private start(): ScriptThread {
    const entry = workerEntry();
    if (!existsSync(entry)) throw new Error(`${entry} is missing`);
    const workerData: ScriptThreadData = { threads: this.maxThreads };
    const worker = new Worker(entry, { stdout: false, stderr: false, workerData });
    const thread: ScriptThread = { worker, busy: 0, pending: new Map() };
    worker.on('message', (m: { id: number; outcome: ScriptOutcome; problem?: string }) => {
      const p = thread.pending.get(m.id);
      if (!p) return;
      thread.pending.delete(m.id);
      thread.busy--;
      clearTimeout(p.timer);
      if (m.problem) this.logger.warn({ outcome: m.outcome.kind }, m.problem);
      p.resolve(m.outcome);
    });
    worker.on('error', (err) => {
      this.logger.error({ err: err.message }, 'a script thread failed');
      this.drop(thread, 'the script engine failed; try again');
    });
    worker.on('exit', () => this.drop(thread, 'the script engine stopped; try again'));
    // An idle thread does not keep the service's process alive.
    worker.unref();
    this.threads.push(thread);
    return thread;
  }

  /** Stops a thread and fails what it was running (each request's outcome: failed, with why). */
  private drop(thread: ScriptThread, message: string): void {
    const i = this.threads.indexOf(thread);
    if (i >= 0) this.threads.splice(i, 1);
    for (const p of thread.pending.values()) {
      clearTimeout(p.timer);
      p.resolve({ kind: 'failed', message });
    }
    thread.pending.clear();
    thread.busy = 0;
    void thread.worker.terminate();
  }
}

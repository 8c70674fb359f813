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
import { threadCpuMsOf, type ThreadCpuStamp } from './cpu-budget';
import { SCRIPT_RETRY_AFTER_SECONDS, wallCapMs } from './script-limits';
import type { ScriptLimits, ScriptOutcome, ScriptRequest } from './script-run';
import type { ScriptJob, ScriptThreadData, ScriptThreadMessage } from './script-worker';

export type { ScriptLimits, ScriptOutcome, ScriptRequest } from './script-run';
export { MAX_SCRIPT_RECORD_BYTES, SCRIPT_RETRY_AFTER_SECONDS } from './script-limits';

interface Job {
  id: number;
  source: string;
  request: ScriptRequest;
  limits: ScriptLimits;
  resolve: (o: ScriptOutcome) => void;
  /** While it waits for a thread: how long it may. */
  waiting?: NodeJS.Timeout;
}

interface Running {
  job: Job;
  /** Stops the thread once the run is past its deadline. */
  deadline: NodeJS.Timeout;
  /** The thread's CPU clock when the script started (the thread says). */
  started?: ThreadCpuStamp;
}

interface ScriptThread {
  worker: Worker;
  /**
   * One run at a time: the others wait in the runner's queue, so a thread that is stopped
   * takes only the run it was on with it, and a run's deadline counts from its start.
   */
  running?: Running;
  dropped: boolean;
}

/** Past a script's own wall-clock cap (script-limits.ts), how long a thread may take to answer before it is stopped. */
const THREAD_GRACE_MS = 5000;

/** What a sender is told to wait when every thread stayed busy for as long as a run may take. */
const BUSY_RETRY_AFTER_SECONDS = 5;

function unavailable(message: string, retryAfterSeconds = SCRIPT_RETRY_AFTER_SECONDS): ScriptOutcome {
  return { kind: 'unavailable', message, retryAfterSeconds };
}

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
 * Requests wait in one queue, first come first served, for the first thread that is free.
 */
@Injectable()
export class ScriptRunner implements OnModuleDestroy {
  private readonly threads: ScriptThread[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private readonly maxThreads: number;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) config: Pick<WebhookListenerConfig, 'scriptThreads'>,
  ) {
    this.maxThreads = config.scriptThreads;
  }

  run(source: string, request: ScriptRequest, limits: ScriptLimits): Promise<ScriptOutcome> {
    if (this.closed) return Promise.resolve(unavailable('the service is stopping; try again'));
    return new Promise<ScriptOutcome>((resolve) => {
      const job: Job = { id: ++this.nextId, source, request, limits, resolve };
      this.queue.push(job);
      this.pump();
      if (!this.queue.includes(job)) return;
      // A request does not wait longer than a run may take.
      job.waiting = setTimeout(() => {
        const i = this.queue.indexOf(job);
        if (i < 0) return;
        this.queue.splice(i, 1);
        this.logger.warn({ timeoutMs: limits.timeoutMs, queued: this.queue.length }, 'a script waited too long for a thread');
        resolve(unavailable('every script thread is busy; try again', BUSY_RETRY_AFTER_SECONDS));
      }, this.deadlineMs(limits));
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.answer(job, unavailable('the service is stopping; try again'));
    await Promise.all(this.threads.slice().map((t) => this.drop(t, unavailable('the service is stopping; try again'))));
  }

  /** Starts a script thread's worker (a test starts one of its own). */
  protected spawn(workerData: ScriptThreadData): Worker {
    const entry = workerEntry();
    if (!existsSync(entry)) throw new Error(`${entry} is missing`);
    return new Worker(entry, { stdout: false, stderr: false, workerData });
  }

  /** How long a run may take before its thread is stopped, and how long a request may wait for a thread. */
  protected deadlineMs(limits: ScriptLimits): number {
    return wallCapMs(limits.timeoutMs) + THREAD_GRACE_MS;
  }

  /** Gives waiting requests to free threads, starting threads as needed. */
  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const thread = this.freeThread();
      const job = thread && this.queue.shift();
      if (!thread || !job) return;
      clearTimeout(job.waiting);
      thread.running = { job, deadline: setTimeout(() => this.overdue(thread), this.deadlineMs(job.limits)) };
      thread.worker.postMessage({ id: job.id, source: job.source, request: job.request, limits: job.limits } satisfies ScriptJob);
    }
  }

  private freeThread(): ScriptThread | undefined {
    const free = this.threads.find((t) => !t.running);
    if (free || this.threads.length >= this.maxThreads) return free;
    // All of them at first: a thread takes a while to start (its engine's WebAssembly is
    // compiled on its first run), better paid once than by a request that finds the
    // others busy later.
    const wanted = this.threads.length === 0 ? this.maxThreads : this.threads.length + 1;
    try {
      while (this.threads.length < wanted) this.start();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'a script thread could not start');
      // With no thread to wait for, the requests waiting are answered now.
      if (this.threads.length === 0) for (const job of this.queue.splice(0)) this.answer(job, unavailable('the script engine could not start; try again'));
    }
    return this.threads.find((t) => !t.running);
  }

  private start(): ScriptThread {
    const worker = this.spawn({ threads: this.maxThreads });
    const thread: ScriptThread = { worker, dropped: false };
    worker.on('message', (m: ScriptThreadMessage) => {
      const running = thread.running;
      if (!running || running.job.id !== m.id) return;
      if (m.kind === 'started') {
        running.started = m.cpu;
        return;
      }
      clearTimeout(running.deadline);
      thread.running = undefined;
      this.pump();
      if (m.problem) this.logger.warn({ outcome: m.outcome.kind }, m.problem);
      running.job.resolve(m.outcome);
    });
    worker.on('error', (err) => {
      this.logger.error({ err: err.message }, 'a script thread failed');
      void this.drop(thread, unavailable('the script engine failed; try again'));
    });
    worker.on('exit', () => void this.drop(thread, unavailable('the script engine stopped; try again')));
    // An idle thread does not keep the service's process alive.
    worker.unref();
    this.threads.push(thread);
    return thread;
  }

  /**
   * A run past its deadline: its thread is stopped. A script that used more CPU time than
   * its limit since it started is one its engine could not interrupt (a long call into a
   * built-in), its own fault; otherwise the thread was stuck or starved, and the request
   * may be sent again.
   */
  private overdue(thread: ScriptThread): void {
    const running = thread.running;
    if (!running) return;
    const { timeoutMs } = running.job.limits;
    const now = running.started && threadCpuMsOf(running.started.tid);
    const cpuMs = running.started && now !== undefined ? now - running.started.cpuMs : undefined;
    this.logger.warn({ timeoutMs, cpuMs }, 'a script thread did not answer in time; stopping it');
    const outcome: ScriptOutcome =
      cpuMs !== undefined && cpuMs > timeoutMs
        ? { kind: 'failed', message: `transform(request): exceeded the time limit of ${timeoutMs} ms` }
        : unavailable('the script engine did not answer in time; try again');
    void this.drop(thread, outcome);
  }

  /**
   * Stops a thread: the run it was on gets `outcome`; the requests waiting go to the other
   * threads or a fresh one.
   */
  private drop(thread: ScriptThread, outcome: ScriptOutcome): Promise<number> {
    if (!thread.dropped) {
      thread.dropped = true;
      const i = this.threads.indexOf(thread);
      if (i >= 0) this.threads.splice(i, 1);
      const running = thread.running;
      thread.running = undefined;
      if (running) {
        clearTimeout(running.deadline);
        running.job.resolve(outcome);
      }
      this.pump();
    }
    return thread.worker.terminate();
  }

  private answer(job: Job, outcome: ScriptOutcome): void {
    clearTimeout(job.waiting);
    job.resolve(outcome);
  }
}

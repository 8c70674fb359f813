// Keeps what `npm start` started running: a service, nats-server or PostgreSQL that dies
// (crash, OOM kill, someone's SIGKILL) is started again after a growing pause, says so on
// the console and in <data>/logs/supervisor.log, and its state (pid, restarts, ready) is
// there for the gateway's /health and `npm run status`. Only deaths nobody asked for are
// restarted: stop() and kill() through a handle (a clean shutdown, a test that crashes a
// service on purpose and restarts it itself) are left alone. Opt-in (startStack's
// `supervise`), so the test stacks keep managing their processes themselves.
import { appendFileSync } from 'node:fs';
import type { ProcessExit } from './service-process';

/** What the supervisor needs of a process handle (services, nats-server and PostgreSQL all have it). */
export interface SupervisedProcess {
  name: string;
  kind: 'service' | 'nats-server' | 'postgres';
  pid(): number | undefined;
  /** Starts it again and resolves once it is ready; rejects if it dies or never gets ready. */
  start(): Promise<void>;
  /** Ends a process that started but never got ready (a requested kill, so not reported as a crash). */
  kill(signal?: NodeJS.Signals): Promise<unknown>;
  onExit(listener: (exit: ProcessExit) => void): void;
  /** Whether it is ready now, and if not why; undefined when it has no such check. */
  ready?(): Promise<{ ready: boolean; detail?: string }>;
}

export type ProcessState = 'running' | 'restarting' | 'failed' | 'stopped';

export interface ProcessStatus {
  name: string;
  kind: SupervisedProcess['kind'];
  state: ProcessState;
  pid: number | null;
  /** As of the last check (every few seconds); null before the first. */
  ready: boolean | null;
  readyDetail?: string;
  restarts: number;
  /** When the current process started (ISO). */
  since: string;
  lastExit?: { code: number | null; signal: string | null; at: string };
  /** When the next restart is due, while restarting. */
  nextAttemptAt?: string;
}

export interface RestartPolicy {
  /** Pause before the first restart after a death. */
  initialDelayMs: number;
  /** The pause doubles with each death in a row, up to this. */
  maxDelayMs: number;
  /** Up this long, a process counts as healthy again: the next death starts from initialDelayMs. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 1000, maxDelayMs: 30_000, stableAfterMs: 60_000 };

/** The pause before restart attempt number `failures` (1 = the first after a death). */
export function restartDelay(policy: RestartPolicy, failures: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, failures - 1));
}

/**
 * Whether a death is worth a restart. A service that refused its configuration (exit code
 * 78, EX_CONFIG) would refuse it again: that one waits for the operator. A requested
 * exit is nobody's failure.
 */
export function shouldRestart(kind: SupervisedProcess['kind'], exit: ProcessExit): boolean {
  if (exit.requested) return false;
  return !(kind === 'service' && exit.code === 78);
}

export function describeExit(exit: Pick<ProcessExit, 'code' | 'signal'>): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

export interface SupervisorOptions {
  /** JSON lines, one per event (appended). */
  logFile?: string;
  /** Human lines for the console; default console.log. */
  say?: (line: string) => void;
  policy?: RestartPolicy;
  /** How often readiness is checked (default 5 s). */
  readyIntervalMs?: number;
}

interface Entry {
  proc: SupervisedProcess;
  status: ProcessStatus;
  /** Deaths in a row without a stable run in between. */
  failures: number;
  startedAt: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  private readonly entries: Entry[] = [];
  private readonly policy: RestartPolicy;
  private readonly say: (line: string) => void;
  private readonly readyTimer: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly opts: SupervisorOptions = {}) {
    this.policy = opts.policy ?? DEFAULT_RESTART_POLICY;
    this.say = opts.say ?? ((line) => console.log(line));
    this.readyTimer = setInterval(() => void this.checkReadiness(), opts.readyIntervalMs ?? 5000);
    this.readyTimer.unref();
  }

  /** Watches a process that is running now. */
  watch(proc: SupervisedProcess): void {
    const entry: Entry = {
      proc,
      failures: 0,
      startedAt: Date.now(),
      status: { name: proc.name, kind: proc.kind, state: 'running', pid: proc.pid() ?? null, ready: null, restarts: 0, since: new Date().toISOString() },
    };
    this.entries.push(entry);
    proc.onExit((exit) => this.exited(entry, exit));
    void this.checkOne(entry);
  }

  status(): ProcessStatus[] {
    return this.entries.map((e) => ({ ...e.status }));
  }

  /** Checks readiness of every running process now (also done every few seconds). */
  async checkReadiness(): Promise<ProcessStatus[]> {
    await Promise.all(this.entries.map((e) => this.checkOne(e)));
    return this.status();
  }

  /** Stops supervising: nothing is restarted from now on (call before stopping the processes). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.readyTimer);
    for (const e of this.entries) clearTimeout(e.timer);
  }

  private async checkOne(e: Entry): Promise<void> {
    if (e.status.state !== 'running' || !e.proc.ready) return;
    const pid = e.status.pid;
    let result: { ready: boolean; detail?: string };
    try {
      result = await e.proc.ready();
    } catch (err) {
      result = { ready: false, detail: (err as Error).message };
    }
    // A check that raced a death or a restart says nothing about the process now.
    if (e.status.state !== 'running' || e.status.pid !== pid) return;
    e.status.ready = result.ready;
    if (result.ready) delete e.status.readyDetail;
    else e.status.readyDetail = result.detail;
  }

  private exited(e: Entry, exit: ProcessExit): void {
    // Only the death of the process we consider running counts: a start attempt that
    // fails is handled where it is awaited.
    if (this.stopped || e.status.state !== 'running' || (e.proc.pid() !== undefined && e.proc.pid() !== e.status.pid)) return;
    e.status.lastExit = { code: exit.code, signal: exit.signal, at: new Date().toISOString() };
    e.status.ready = false;
    e.status.pid = null;
    if (!shouldRestart(e.proc.kind, exit)) {
      e.status.state = exit.requested ? 'stopped' : 'failed';
      if (!exit.requested) {
        this.event('warn', e, 'not-restarted', `${e.proc.name} ${describeExit(exit)} (its configuration was refused): not restarting it; fix the configuration and start again`, { code: exit.code, signal: exit.signal });
      }
      return;
    }
    if (Date.now() - e.startedAt >= this.policy.stableAfterMs) e.failures = 0;
    e.failures++;
    this.schedule(e, `${e.proc.name} ${describeExit(exit)}`, { code: exit.code, signal: exit.signal });
  }

  private schedule(e: Entry, why: string, detail: Record<string, unknown>): void {
    const delay = restartDelay(this.policy, e.failures);
    e.status.state = 'restarting';
    e.status.nextAttemptAt = new Date(Date.now() + delay).toISOString();
    this.event('warn', e, 'restarting', `${why}; restarting it in ${formatMs(delay)} (restart ${e.status.restarts + 1})`, { ...detail, delayMs: delay });
    e.timer = setTimeout(() => void this.restart(e), delay);
  }

  private async restart(e: Entry): Promise<void> {
    if (this.stopped) return;
    e.status.restarts++;
    try {
      await e.proc.start();
    } catch (err) {
      // It died while starting or never got ready: make sure it is gone, then wait longer.
      await e.proc.kill('SIGKILL').catch(() => undefined);
      if (this.stopped) return;
      e.failures++;
      this.schedule(e, `${e.proc.name} did not come back (${firstLine((err as Error).message)})`, { error: firstLine((err as Error).message) });
      return;
    }
    if (this.stopped) return;
    e.startedAt = Date.now();
    e.status.state = 'running';
    e.status.pid = e.proc.pid() ?? null;
    e.status.ready = true;
    e.status.since = new Date().toISOString();
    delete e.status.nextAttemptAt;
    delete e.status.readyDetail;
    this.event('info', e, 'restarted', `${e.proc.name} is back: pid ${e.status.pid}, ready (restart ${e.status.restarts})`, {});
  }

  private event(level: 'info' | 'warn', e: Entry, event: string, message: string, detail: Record<string, unknown>): void {
    this.say(`[hookline] ${message}`);
    if (!this.opts.logFile) return;
    const line = { time: new Date().toISOString(), level, event, process: e.proc.name, kind: e.proc.kind, pid: e.status.pid, restarts: e.status.restarts, msg: message, ...detail };
    try {
      appendFileSync(this.opts.logFile, `${JSON.stringify(line)}\n`);
    } catch {
      // The console line was said; a log folder that went away must not stop the supervisor.
    }
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 300);
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

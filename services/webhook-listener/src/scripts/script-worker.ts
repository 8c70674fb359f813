// A script thread (script-runner.ts starts them): its own engines (script-engines.ts), a
// request at a time from the thread that serves requests, the outcome back.
import { parentPort, workerData } from 'node:worker_threads';
import { threadCpuStamp, type ThreadCpuStamp } from './cpu-budget';
import { KEPT_ENGINES, ScriptEngines } from './script-engines';
import { runScript, warmUp, type ScriptLimits, type ScriptOutcome, type ScriptRequest } from './script-run';

/** A run asked of a script thread. */
export interface ScriptJob {
  id: number;
  source: string;
  request: ScriptRequest;
  limits: ScriptLimits;
}

/**
 * What a script thread sends back: that a run's script started (with the thread's CPU
 * clock then, so that if the thread stops answering the runner can tell a script its engine
 * could not interrupt from a thread that was stuck or starved), then its outcome.
 */
export type ScriptThreadMessage = { kind: 'started'; id: number; cpu?: ThreadCpuStamp } | { kind: 'done'; id: number; outcome: ScriptOutcome; problem?: string };

/** What the thread is started with (script-runner.ts). */
export interface ScriptThreadData {
  /** How many script threads the service runs. */
  threads: number;
}

// The engines a service keeps are shared out, so more threads do not hold more engines.
const threads = (workerData as ScriptThreadData | undefined)?.threads ?? 1;
const engines = new ScriptEngines(warmUp, Math.max(1, Math.floor(KEPT_ENGINES / threads)));
const port = parentPort;
if (port) {
  const send = (m: ScriptThreadMessage) => port.postMessage(m);
  port.on('message', (job: ScriptJob) => {
    const started = () => send({ kind: 'started', id: job.id, cpu: threadCpuStamp() });
    void runScript(engines, job.source, job.request, job.limits, started).then((r) => send({ kind: 'done', id: job.id, ...r }));
  });
}

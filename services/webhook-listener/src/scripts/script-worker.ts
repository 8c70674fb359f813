// A script thread (script-runner.ts starts them): its own engines (script-engines.ts), a
// request at a time from the thread that serves requests, the outcome back.
import { parentPort, workerData } from 'node:worker_threads';
import { KEPT_ENGINES, ScriptEngines } from './script-engines';
import { runScript, warmUp, type ScriptLimits, type ScriptRequest } from './script-run';

/** A run asked of a script thread. */
export interface ScriptJob {
  id: number;
  source: string;
  request: ScriptRequest;
  limits: ScriptLimits;
}

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
  port.on('message', (job: ScriptJob) => {
    void runScript(engines, job.source, job.request, job.limits).then((r) => port.postMessage({ id: job.id, ...r }));
  });
}

// A script thread (script-runner.ts starts them): its own engines (script-engines.ts), a
// request at a time from the thread that serves requests, the outcome back.
import { parentPort } from 'node:worker_threads';
import { ScriptEngines } from './script-engines';
import { runScript, warmUp, type ScriptLimits, type ScriptRequest } from './script-run';

/** A run asked of a script thread. */
export interface ScriptJob {
  id: number;
  source: string;
  request: ScriptRequest;
  limits: ScriptLimits;
}

const engines = new ScriptEngines(warmUp);
const port = parentPort;
if (port) {
  port.on('message', (job: ScriptJob) => {
    void runScript(engines, job.source, job.request, job.limits).then((r) => port.postMessage({ id: job.id, ...r }));
  });
}

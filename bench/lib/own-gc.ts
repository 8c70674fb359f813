// A full collection of the bench's own heap, on its main thread (where the load clients
// take each request's time), before a latency window: the garbage of the throughput run
// just before is then not collected during the window, where its pause would lengthen
// every request in flight as if the platform had been slow. What the window itself
// allocates is still collected in it, and the bench reports those pauses.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

export function collectOwnGarbage(): void {
  if (!gc) {
    // The bench runs without --expose-gc; V8 lets the flag be set at run time, and a new
    // context created after it has `gc` as a global.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

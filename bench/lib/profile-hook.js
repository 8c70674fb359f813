// Preloaded into each service by `npm run bench -- --profile` (NODE_OPTIONS=--require,
// which does not allow --cpu-prof): records a V8 CPU profile and writes it on exit.
// SIGUSR2 throws away what was recorded so far (the start-up) and starts again.
'use strict';
const inspector = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.HOOKLINE_BENCH_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.on('SIGUSR2', () => {
    session.post('Profiler.stop', () => session.post('Profiler.start'));
  });
  let written = false;
  // An in-thread inspector session answers synchronously, so this works inside 'exit'.
  const write = () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (err, res) => {
      if (err || !res) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `CPU.${process.pid}.0.0.cpuprofile`), JSON.stringify(res.profile));
    });
  };
  process.on('exit', write);
  // Nest's shutdown hooks end the process by re-raising the signal, which skips 'exit'.
  const kill = process.kill.bind(process);
  process.kill = (pid, signal) => {
    if (pid === process.pid) write();
    return kill(pid, signal);
  };
}

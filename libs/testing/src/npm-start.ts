// `npm start` as a user runs it, for the end-to-end tests that test the launcher itself:
// a child process with only what a user's shell has, resolved once the banner says ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@hookline/local-stack';

export interface LaunchedStart {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGINT (Ctrl-C), and the exit code once everything stopped. */
  stop(): Promise<number | null>;
}

export async function launchNpmStart(env: Record<string, string>, bannerTimeoutMs = 240_000): Promise<LaunchedStart> {
  // Only what a user's shell would have, not the test runner's HOOKLINE_* settings.
  const child = spawn(process.execPath, [join(REPO_ROOT, 'deploy', 'local', 'start.mjs')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('[hookline] ready.')) done();
      else if (child.exitCode !== null) done(new Error(`npm start exited with ${child.exitCode}:\n${out}`));
    }, 100);
    // A hang, not a speed check.
    const limit = setTimeout(() => done(new Error(`npm start printed no banner in ${bannerTimeoutMs / 1000} s:\n${out}`)), bannerTimeoutMs);
    function done(err?: Error) {
      clearInterval(timer);
      clearTimeout(limit);
      if (err) reject(err);
      else resolve();
    }
  }).catch(async (err: unknown) => {
    child.kill('SIGINT');
    await exited;
    throw err;
  });
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

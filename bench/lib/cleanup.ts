// Everything the bench starts is registered here and stopped in reverse order: at the
// end of a run, on an error, and on Ctrl-C / SIGTERM.
type Stopper = { name: string; stop: () => Promise<unknown> };

const stoppers: Stopper[] = [];
let running: Promise<void> | undefined;

export function onCleanup(name: string, stop: () => Promise<unknown>): void {
  stoppers.push({ name, stop });
}

export function cleanup(): Promise<void> {
  running ??= (async () => {
    while (stoppers.length > 0) {
      const s = stoppers.pop();
      if (!s) break;
      const timer = new Promise((r) => setTimeout(r, 30_000, 'timeout'));
      const outcome = await Promise.race([s.stop().then(() => 'ok', (err: unknown) => `failed: ${(err as Error).message}`), timer]);
      if (outcome !== 'ok') console.error(`[bench] stopping ${s.name}: ${String(outcome)}`);
    }
  })();
  return running;
}

/** On the first signal: stop everything and exit 130; a second one exits at once. */
export function installSignalHandlers(): void {
  let signalled = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (signalled) process.exit(130);
      signalled = true;
      console.error(`\n[bench] ${sig}: stopping everything the bench started…`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}

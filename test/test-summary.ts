// What one tier's run adds up to, read from test/summary-reporter.mjs's JSON lines; used
// by the harness (test/run-suites.ts).
import { relative } from 'node:path';

/** A test or suite that was skipped or marked todo, or a test that failed (reason: its error). */
export interface MarkedTest {
  file: string;
  name: string;
  kind: 'skip' | 'todo' | 'fail';
  reason: string;
  suite: boolean;
}

export interface TierResult {
  passed: number;
  /** Failed and cancelled tests. */
  failed: number;
  /** Counted from the events: node's own count leaves out a skipped suite. */
  skipped: MarkedTest[];
  todo: MarkedTest[];
  /** Tests that failed, with their errors (cancelled ones included). */
  failures: MarkedTest[];
  /** Skips that fail the run: every skip of a tier that allows none. */
  forbidden: MarkedTest[];
}

export function tierResult(report: string, allowSkips: boolean): TierResult {
  const counts = new Map<string, number>();
  const marked: MarkedTest[] = [];
  for (const line of report.split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { count: string; value: number } | MarkedTest;
    if ('count' in entry) counts.set(entry.count, entry.value);
    else marked.push(entry);
  }
  const skipped = marked.filter((m) => m.kind === 'skip');
  return {
    passed: counts.get('pass') ?? 0,
    failed: (counts.get('fail') ?? 0) + (counts.get('cancelled') ?? 0),
    skipped,
    todo: marked.filter((m) => m.kind === 'todo'),
    failures: marked.filter((m) => m.kind === 'fail'),
    forbidden: allowSkips ? [] : skipped,
  };
}

export function describeSkipped(root: string, s: MarkedTest): string {
  return `${s.file ? relative(root, s.file) : '?'} › ${s.suite ? 'suite ' : ''}${s.name}${s.reason ? `: ${s.reason}` : ''}`;
}

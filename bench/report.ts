// The run's table, its targets, the JSON under bench/results/ and the README's table.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { findNatsServer, natsServerEnv } from '@hookline/local-stack';
import { formatValue, type Machine, type Results, type RunResult, type Target } from './lib/results';

export const REPO_ROOT = join(__dirname, '..');
export const RESULTS_DIR = join(__dirname, 'results');
const README = join(REPO_ROOT, 'README.md');
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

export function machine(postgresVersion: string): Machine {
  let nats = 'unknown';
  try {
    nats = `${execFileSync(findNatsServer(), ['--version']).toString().trim()} (GOMAXPROCS ${natsServerEnv().GOMAXPROCS})`;
  } catch {
    /* not fatal */
  }
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${osType()} ${release()}`,
    natsServer: nats,
    postgres: postgresVersion,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

type Feed = 'nats' | 'http';

/** What a target reads off a run: its figure and the rows and bench steps that figure rests on. */
interface TargetSpec {
  name: (feed: Feed, compiled: boolean) => string;
  op: Target['op'];
  threshold: number;
  unit: string;
  /** The rows it reads: one missing, or saying `complete: false`, is a MISS whatever the figure. */
  rows: (feed: Feed) => string[];
  /** The bench steps (run.ts) those rows come from: an error recorded in one is a MISS. */
  steps: string[];
  value: (results: Results, feed: Feed) => number | undefined;
  /** Why the data is partial, beyond the rows' own word (undefined: it is whole). */
  partial?: (results: Results) => string | undefined;
}

const fixed = (name: string) => () => name;
const valueOf = (id: string) => (results: Results) => results.get(id)?.value;
const ratioOf = (id: string) => (results: Results) => {
  const row = results.get(id);
  return row ? results.ratio(row) : undefined;
};

/**
 * The targets, one table (issue 15). The latency target is read on the same feed as the
 * maximum rate it is half of. Every figure is compared raw; the tables round it.
 */
export const TARGETS: readonly TargetSpec[] = [
  { name: fixed('delivered webhooks/s vs raw undici'), op: '>=', threshold: 0.25, unit: 'x', rows: () => ['platform.delivered', 'baseline.undici'], steps: ['delivered', 'http'], value: ratioOf('platform.delivered') },
  // Issue 15: "Hookline must be the faster choice" than a plain queue worker on the same machine.
  { name: fixed('delivered webhooks/s vs the plain queue worker'), op: '>=', threshold: 1, unit: 'x', rows: () => ['platform.delivered.vsQueue', 'platform.delivered', 'baseline.queue'], steps: ['delivered', 'queue'], value: valueOf('platform.delivered.vsQueue') },
  {
    name: (feed) => `p99 latency at half load (${feed === 'nats' ? 'JetStream publish' : 'POST /v1/events'} -> receiver)`,
    op: '<=',
    threshold: 50,
    unit: 'ms',
    // Half load is half the delivered rate: that scenario's figure has to hold too.
    rows: (feed) => [`platform.latency.${feed}.p99`, 'platform.delivered'],
    steps: ['latency', 'delivered'],
    value: (results, feed) => results.get(`platform.latency.${feed}.p99`)?.value,
  },
  {
    name: fixed('backlog drain vs steady delivery rate (fully drained)'),
    op: '>=',
    threshold: 0.8,
    unit: 'x',
    rows: () => ['platform.backlog', 'platform.delivered'],
    steps: ['backlog', 'delivered'],
    value: ratioOf('platform.backlog'),
    partial: (results) => backlogPartial(results.get('platform.backlog')?.extra),
  },
  { name: fixed('isolation: healthy receivers while 1 of 10 hangs'), op: '>=', threshold: 0.9, unit: 'x', rows: () => ['platform.isolation'], steps: ['isolation'], value: valueOf('platform.isolation') },
  // Issue 15 (target 5) asks for at most 0.1; the first round's 0.2 was checked here until 5 December.
  { name: fixed('PostgreSQL statements per delivered webhook'), op: '<=', threshold: 0.1, unit: '', rows: () => ['platform.pg', 'platform.delivered'], steps: ['delivered'], value: valueOf('platform.pg') },
  { name: fixed('CPU per delivered webhook, all processes'), op: '<=', threshold: 0.8, unit: 'ms', rows: () => ['platform.delivered.cpu', 'platform.delivered'], steps: ['delivered'], value: valueOf('platform.delivered.cpu') },
  { name: fixed('accepted events (POST /v1/events) vs JetStream publish (awaited)'), op: '>=', threshold: 0.5, unit: 'x', rows: () => ['platform.accepted', 'baseline.js.sequential'], steps: ['accepted', 'jetstream'], value: ratioOf('platform.accepted') },
  { name: fixed('p99 202 of POST /v1/events at half load'), op: '<=', threshold: 50, unit: 'ms', rows: () => ['platform.accepted.p99', 'platform.accepted'], steps: ['accepted'], value: valueOf('platform.accepted.p99') },
  { name: fixed('CPU per delivery, 2 dispatcher replicas vs 1'), op: '<=', threshold: 1.1, unit: 'x', rows: () => ['platform.replicas.cpu'], steps: ['replicas'], value: (results) => results.get('platform.replicas.cpu')?.extra?.ratio as number | undefined },
  // Read outside any step (run.ts), after the stack started.
  { name: (_, compiled) => `memory: largest service idle, the bench's stack (${compiled ? 'compiled build' : 'TypeScript path'})`, op: '<=', threshold: 100, unit: 'MB', rows: () => ['platform.memory.idle'], steps: [], value: valueOf('platform.memory.idle') },
  { name: fixed('memory: largest service idle under npm start'), op: '<=', threshold: 100, unit: 'MB', rows: () => ['platform.memory.npmStart'], steps: ['npm-start'], value: valueOf('platform.memory.npmStart') },
  { name: fixed('memory: largest service after the delivered scenario'), op: '<=', threshold: 150, unit: 'MB', rows: () => ['platform.memory.loaded'], steps: ['delivered'], value: valueOf('platform.memory.loaded') },
  { name: fixed('memory: largest service after delivering through npm start'), op: '<=', threshold: 150, unit: 'MB', rows: () => ['platform.memory.npmStart.loaded'], steps: ['npm-start'], value: valueOf('platform.memory.npmStart.loaded') },
  // The stack a user runs: the bench's own stack has the bench process (load clients, receivers) as its launcher.
  {
    name: fixed('memory: whole stack idle under npm start (services, launcher, gateway, NATS, PostgreSQL)'),
    op: '<=',
    threshold: 800,
    unit: 'MB',
    rows: () => ['platform.memory.npmStart'],
    steps: ['npm-start'],
    value: (results) => {
      const bytes = results.get('platform.memory.npmStart')?.extra?.totalBytes;
      return typeof bytes === 'number' ? bytes / 1024 / 1024 : undefined;
    },
  },
  { name: fixed('listener ingest req/s vs JetStream publish (awaited)'), op: '>=', threshold: 0.5, unit: 'x', rows: () => ['platform.listener', 'baseline.js.sequential'], steps: ['listener', 'jetstream'], value: ratioOf('platform.listener') },
  { name: fixed('listener ingest p99 at half load (request -> 202)'), op: '<=', threshold: 50, unit: 'ms', rows: () => ['platform.listener.p99'], steps: ['listener'], value: valueOf('platform.listener.p99') },
];

/**
 * Fully drained: the backlog asked for was queued, and every event of it arrived. A run
 * cut short while queueing drains what it queued, and that is not the target's backlog.
 */
export function backlogPartial(extra: Record<string, unknown> | undefined): string | undefined {
  const n = (k: string) => (typeof extra?.[k] === 'number' ? (extra[k] as number) : NaN);
  const target = n('target');
  const queued = n('queued');
  const delivered = n('delivered');
  if (!Number.isFinite(target)) return 'the size of the backlog asked for is not recorded';
  if (!(queued >= target)) return `${Number.isFinite(queued) ? queued : 0} of ${target} events queued`;
  if (!(delivered >= target)) return `${Number.isFinite(delivered) ? delivered : 0} of ${target} events delivered`;
  return undefined;
}

/** Why the rows a target reads do not hold a whole measurement: absent, or saying so themselves. */
export function rowProblems(results: Results, ids: readonly string[]): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const row = results.get(id);
    if (!row) out.push(`${id} not measured`);
    else if (row.extra?.complete === false) out.push(`${id} incomplete${typeof row.extra.incomplete === 'string' ? ` (${row.extra.incomplete})` : ''}`);
  }
  return out;
}

/**
 * PASS only on a finite figure that meets the goal with no problem in the data it rests
 * on; `why` says what a MISS for missing or partial data lacked.
 */
export function verdict(actual: number, op: Target['op'], threshold: number, problems: readonly string[]): { pass: boolean; why?: string } {
  if (problems.length > 0) return { pass: false, why: problems.join('; ') };
  if (!Number.isFinite(actual)) return { pass: false, why: 'no figure' };
  return { pass: op === '>=' ? actual >= threshold : actual <= threshold };
}

export function targets(results: Results, feed: Feed, compiled = false): Target[] {
  return TARGETS.map((spec) => {
    const actual = spec.value(results, feed) ?? NaN;
    const errors = results.errorsFor(spec.steps);
    const partial = spec.partial?.(results);
    const problems = [
      ...rowProblems(results, spec.rows(feed)),
      ...(partial ? [partial] : []),
      ...(errors.length > 0 ? [`${errors.length} error(s) in ${errorPlaces(results, spec.steps)}`] : []),
    ];
    const v = verdict(actual, spec.op, spec.threshold, problems);
    return { name: spec.name(feed, compiled), actual, op: spec.op, threshold: spec.threshold, unit: spec.unit, pass: v.pass, ...(v.why ? { why: v.why } : {}) };
  });
}

/** The steps among these that recorded errors, and "outside the scenarios" for errors no step claims. */
function errorPlaces(results: Results, steps: readonly string[]): string {
  const places = new Set<string>();
  results.errors.forEach((_, i) => {
    const step = results.errorSteps[i];
    if (step === undefined) places.add('outside the scenarios');
    else if (steps.includes(step)) places.add(step);
  });
  return [...places].join(', ');
}

function fmtRatio(results: Results, id: string): string {
  const row = results.get(id);
  if (!row) return '';
  const r = results.ratio(row);
  if (r === undefined) return '';
  const base = results.get(row.ratioTo ?? '');
  return `${r.toFixed(2)}x ${base ? shortName(base.id) : ''}`;
}

function shortName(id: string): string {
  const names: Record<string, string> = {
    'baseline.undici': 'undici',
    'baseline.js.sequential': 'JS publish (awaited)',
    'baseline.pg.single': 'single-row',
    'platform.delivered': 'steady 1:1',
    'platform.replicas.one': 'one dispatcher',
  };
  return names[id] ?? id;
}

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => `| ${r.map((cell, c) => (cell ?? '').padEnd(widths[c])).join(' | ')} |`).join('\n');
}

/** Markdown tables: what was measured, then the targets. */
export function tables(results: Results, ts: Target[]): string {
  const head = ['', 'measurement', 'result', 'ratio', 'note'];
  const rows = results.rows.map((r) => [r.section, r.label, formatValue(r.value, r.unit), fmtRatio(results, r.id), r.note ?? '']);
  const measured = pad([head, head.map((h) => '-'.repeat(Math.max(3, h.length))), ...rows]);
  const th = ['target', 'measured', 'goal', ''];
  const unit = (u: string) => (u === 'ms' || u === 'MB' ? ` ${u}` : u);
  const digits = (u: string, v: number) => (u === 'MB' ? 0 : u === 'ms' ? (v < 10 ? 2 : 1) : 3);
  const trows = ts.map((x) => [
    x.name,
    Number.isFinite(x.actual) ? `${shown(x.actual, x.threshold, digits(x.unit, x.actual))}${unit(x.unit)}` : 'n/a',
    `${x.op} ${x.threshold}${unit(x.unit)}`,
    x.pass ? 'PASS' : `MISS${x.why ? `: ${x.why}` : ''}`,
  ]);
  const target = pad([th, th.map((h) => '-'.repeat(Math.max(3, h.length))), ...trows]);
  return `${measured}\n\n${target}`;
}

/**
 * A figure with `digits` decimals, or more when that many would print the goal itself for a
 * figure that is not it (0.996 against 1 shows as 0.996, not 1.000 beside a MISS).
 */
export function shown(actual: number, threshold: number, digits: number): string {
  let d = digits;
  while (d < 6 && actual !== threshold && Number(actual.toFixed(d)) === threshold) d++;
  return actual.toFixed(d);
}

export function machineLine(m: Machine): string {
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB memory, Node ${m.node}, ${m.os}, ${m.natsServer}, ${m.postgres}; load average ${m.loadAverage.join(' ')} at the start`;
}

export function saveResults(run: RunResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = run.startedAt.replace(/[:.]/g, '-');
  const file = join(RESULTS_DIR, `${stamp}${run.quick ? '-quick' : ''}.json`);
  const text = `${JSON.stringify(run, null, 2)}\n`;
  writeFileSync(file, text);
  // latest.json is the latest full run (the README's table); a smoke run has its own.
  writeFileSync(join(RESULTS_DIR, run.quick ? 'latest-quick.json' : 'latest.json'), text);
  return file;
}

/** Replaces the generated part of README.md's Benchmarks section. */
export function updateReadme(run: RunResult, table: string): boolean {
  if (!existsSync(README)) return false;
  const text = readFileSync(README, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return false;
  const body = [
    START,
    `Run ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC${run.quick ? ' (quick)' : ''}, ${Math.round(run.durationSeconds)} s, on ${machineLine(run.machine)}.`,
    `PostgreSQL statements counted with ${run.pgStatementsMethod ?? 'n/a'}.`,
    ...(run.errors.length > 0 ? [`${run.errors.length} problem(s) in this run (listed in its results file): the targets that read a scenario with one are MISS.`] : []),
    '',
    table,
    END,
  ].join('\n');
  writeFileSync(README, text.slice(0, a) + body + text.slice(b + END.length));
  return true;
}

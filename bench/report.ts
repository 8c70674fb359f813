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

/** The latency target is read on the same feed as the maximum rate it is half of. */
export function targets(results: Results, feed: 'nats' | 'http', compiled = false): Target[] {
  const out: Target[] = [];
  /** `also`: a condition besides the threshold (false: a MISS whatever the figure). */
  const t = (name: string, actual: number | undefined, op: Target['op'], threshold: number, unit: string, also = true) => {
    const a = actual ?? NaN;
    out.push({ name, actual: a, op, threshold, unit, pass: also && Number.isFinite(a) && (op === '>=' ? a >= threshold : a <= threshold) });
  };
  const delivered = results.get('platform.delivered');
  t('delivered webhooks/s vs raw undici', delivered ? results.ratio(delivered) : undefined, '>=', 0.25, 'x');
  // Issue 15: "Hookline must be the faster choice" than a plain queue worker on the same machine.
  t('delivered webhooks/s vs the plain queue worker', results.get('platform.delivered.vsQueue')?.value, '>=', 1, 'x');
  t(`p99 latency at half load (${feed === 'nats' ? 'JetStream publish' : 'POST /v1/events'} -> receiver)`, results.get(`platform.latency.${feed}.p99`)?.value, '<=', 50, 'ms');
  const backlog = results.get('platform.backlog');
  // The rate is of what arrived: a backlog that did not drain fully within the limit misses, whatever its rate.
  const drained = backlog?.extra !== undefined && backlog.extra.delivered === backlog.extra.queued;
  t('backlog drain vs steady delivery rate (fully drained)', backlog ? results.ratio(backlog) : undefined, '>=', 0.8, 'x', drained);
  t('isolation: healthy receivers while 1 of 10 hangs', results.get('platform.isolation')?.value, '>=', 0.9, 'x');
  // Issue 15 (target 5) asks for at most 0.1; the first round's 0.2 was checked here until 5 December.
  t('PostgreSQL statements per delivered webhook', results.get('platform.pg')?.value, '<=', 0.1, '');
  t('CPU per delivered webhook, all processes', results.get('platform.delivered.cpu')?.value, '<=', 0.8, 'ms');
  t('accepted events (POST /v1/events) vs JetStream publish (awaited)', ratioOf(results, 'platform.accepted'), '>=', 0.5, 'x');
  t('p99 202 of POST /v1/events at half load', results.get('platform.accepted.p99')?.value, '<=', 50, 'ms');
  t('CPU per delivery, 2 dispatcher replicas vs 1', results.get('platform.replicas.cpu')?.extra?.ratio as number | undefined, '<=', 1.1, 'x');
  t(`memory: largest service idle, the bench's stack (${compiled ? 'compiled build' : 'TypeScript path'})`, results.get('platform.memory.idle')?.value, '<=', 100, 'MB');
  const npmStart = results.get('platform.memory.npmStart');
  t('memory: largest service idle under npm start', npmStart?.value, '<=', 100, 'MB');
  t('memory: largest service after the delivered scenario', results.get('platform.memory.loaded')?.value, '<=', 150, 'MB');
  t('memory: largest service after delivering through npm start', results.get('platform.memory.npmStart.loaded')?.value, '<=', 150, 'MB');
  // The stack a user runs: the bench's own stack has the bench process (load clients, receivers) as its launcher.
  const stackBytes = npmStart?.extra?.totalBytes as number | undefined;
  t('memory: whole stack idle under npm start (services, launcher, gateway, NATS, PostgreSQL)', stackBytes ? Math.round(stackBytes / 1024 / 1024) : undefined, '<=', 800, 'MB');
  t('listener ingest req/s vs JetStream publish (awaited)', ratioOf(results, 'platform.listener'), '>=', 0.5, 'x');
  t('listener ingest p99 at half load (request -> 202)', results.get('platform.listener.p99')?.value, '<=', 50, 'ms');
  return out;
}

function ratioOf(results: Results, id: string): number | undefined {
  const row = results.get(id);
  return row ? results.ratio(row) : undefined;
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
  const trows = ts.map((x) => [x.name, Number.isFinite(x.actual) ? `${x.actual.toFixed(digits(x.unit, x.actual))}${unit(x.unit)}` : 'n/a', `${x.op} ${x.threshold}${unit(x.unit)}`, x.pass ? 'PASS' : 'MISS']);
  const target = pad([th, th.map((h) => '-'.repeat(Math.max(3, h.length))), ...trows]);
  return `${measured}\n\n${target}`;
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
    '',
    table,
    END,
  ].join('\n');
  writeFileSync(README, text.slice(0, a) + body + text.slice(b + END.length));
  return true;
}

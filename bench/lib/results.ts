// What a run measures, in the shape written to bench/results/*.json.

export interface Row {
  /** Stable key, e.g. "platform.delivered". */
  id: string;
  section: 'baseline' | 'platform';
  label: string;
  value: number;
  unit: string;
  /** Printed as value / (that row's value). */
  ratioTo?: string;
  note?: string;
  extra?: Record<string, unknown>;
}

export interface Target {
  name: string;
  /** The row (or derived figure) the target reads. */
  actual: number;
  op: '>=' | '<=';
  threshold: number;
  unit: string;
  pass: boolean;
  why?: string;
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
  natsServer: string;
  postgres: string;
  /** 1/5/15-minute load average when the run started: anything else busy on the machine skews the figures. */
  loadAverage: number[];
}

export interface RunResult {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  quick: boolean;
  options: Record<string, unknown>;
  machine: Machine;
  rows: Row[];
  targets: Target[];
  loadAverageAtEnd: number[];
  pgStatementsMethod?: string;
  errors: string[];
  profiles?: unknown[];
}

export class Results {
  readonly rows: Row[] = [];
  readonly errors: string[] = [];

  add(row: Row): Row {
    this.rows.push(row);
    const ratio = this.ratio(row);
    const r = ratio !== undefined ? `  (${ratio.toFixed(2)}x ${row.ratioTo})` : '';
    console.log(`[bench]   ${row.label}: ${formatValue(row.value, row.unit)}${r}${row.note ? `  — ${row.note}` : ''}`);
    return row;
  }

  get(id: string): Row | undefined {
    return this.rows.find((r) => r.id === id);
  }

  ratio(row: Row): number | undefined {
    if (!row.ratioTo) return undefined;
    const base = this.get(row.ratioTo);
    if (!base || !base.value) return undefined;
    return row.value / base.value;
  }
}

export function formatValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return `n/a ${unit}`;
  const n = Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${n} ${unit}`;
}

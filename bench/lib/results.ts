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
  /** Why a MISS is one whatever the figure: missing or partial data, or errors in a scenario it reads. */
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
  /** The bench step each error was recorded in, index for index with `errors` (null: outside any step). */
  errorSteps?: (string | null)[];
  profiles?: unknown[];
}

/**
 * A row's own word on its data, spread into its `extra`: `complete: false` (with why) makes
 * every target that reads the row a MISS, whatever its value.
 */
export function completeness(complete: boolean, why: () => string): { complete: boolean; incomplete?: string } {
  return complete ? { complete } : { complete, incomplete: why() };
}

export class Results {
  readonly rows: Row[] = [];
  readonly errors: string[] = [];
  /** The bench step (scenario) that recorded each error, index for index with `errors`; undefined: none did. */
  readonly errorSteps: (string | undefined)[] = [];

  add(row: Row): Row {
    this.rows.push(row);
    const ratio = this.ratio(row);
    const r = ratio !== undefined ? `  (${ratio.toFixed(2)}x ${row.ratioTo})` : '';
    console.log(`[bench]   ${row.label}: ${formatValue(row.value, row.unit)}${r}${row.note ? `  — ${row.note}` : ''}`);
    return row;
  }

  /** Files the errors recorded since index `from` under `step`. */
  attribute(step: string, from: number): void {
    for (let i = from; i < this.errors.length; i++) this.errorSteps[i] = step;
  }

  /** The errors a target reading these steps must count: theirs, and any no step claims (it could be anyone's). */
  errorsFor(steps: readonly string[]): string[] {
    return this.errors.filter((_, i) => {
      const step = this.errorSteps[i];
      return step === undefined || steps.includes(step);
    });
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

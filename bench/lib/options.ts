// Command-line flags: `npm run bench -- --quick --delivered 5000 --skip backlog`.

export interface BenchOptions {
  quick: boolean;
  /** Scenario names to leave out. */
  skip: Set<string>;
  save: boolean;
  updateReadme: boolean;
  keep: boolean;
  /** Render this results file (table, README) instead of measuring. */
  render?: string;
  /** Services run with --cpu-prof; the profiles' hottest functions are printed at the end. */
  profile: boolean;
  fastPostgres: boolean;
  /** Run the compiled build (`npm run build`, dist/) with plain node, as production does, instead of TypeScript through @swc-node/register. */
  compiled: boolean;
  /** How the delivery scenarios put events in: JetStream publish (the in-cluster path) or POST /v1/events. */
  feed: 'nats' | 'http';
  /** Concurrency of the raw HTTP client baselines (default: the dispatcher's per-receiver limit). */
  httpConcurrency: number;
  httpRequests: number;
  httpSeconds: number;
  jsSequential: number;
  jsPipelined: number;
  jsWindow: number;
  pgSingle: number;
  pgBatched: number;
  pgBatchSize: number;
  accepted: number;
  /** Requests of the listener ingest scenario (at acceptedConcurrency, for at most acceptedSeconds). */
  listener: number;
  acceptedConcurrency: number;
  acceptedSeconds: number;
  delivered: number;
  /** Deliveries outstanding (published, not yet received) in the steady scenarios. */
  window: number;
  fanoutEvents: number;
  fanoutReceivers: number;
  latencySeconds: number;
  backlog: number;
  backlogTimeoutSeconds: number;
  isolationEvents: number;
  egressDeadline: string;
  /** Upper bound for any one steady scenario. */
  scenarioSeconds: number;
}

const DEFAULTS: BenchOptions = {
  quick: false,
  skip: new Set(),
  save: true,
  updateReadme: false,
  keep: false,
  profile: false,
  fastPostgres: false,
  compiled: true,
  feed: 'nats',
  httpConcurrency: 32,
  httpRequests: 200_000,
  httpSeconds: 10,
  jsSequential: 10_000,
  jsPipelined: 100_000,
  jsWindow: 256,
  pgSingle: 5_000,
  pgBatched: 100_000,
  pgBatchSize: 500,
  accepted: 30_000,
  listener: 30_000,
  acceptedConcurrency: 64,
  acceptedSeconds: 15,
  delivered: 10_000,
  window: 32,
  fanoutEvents: 1_000,
  fanoutReceivers: 10,
  latencySeconds: 20,
  backlog: 100_000,
  backlogTimeoutSeconds: 150,
  // Per phase, to 10 receivers each. With 1,000 each phase lasted 3-7 s and the ratio of the
  // two ranged 0.73-1.17x for the same code (30 runs); with 3,000 (about 15 s) it measures
  // a hang that lasts, whose parked orders come back and are parked again meanwhile.
  isolationEvents: 3_000,
  egressDeadline: '2s',
  scenarioSeconds: 60,
};

const QUICK: Partial<BenchOptions> = {
  httpRequests: 20_000,
  httpSeconds: 2,
  jsSequential: 2_000,
  jsPipelined: 20_000,
  pgSingle: 1_000,
  pgBatched: 20_000,
  accepted: 2_000,
  listener: 2_000,
  acceptedSeconds: 3,
  delivered: 1_500,
  fanoutEvents: 150,
  latencySeconds: 3,
  backlog: 2_000,
  backlogTimeoutSeconds: 30,
  isolationEvents: 150,
  scenarioSeconds: 20,
};

const NUMERIC: Record<string, keyof BenchOptions> = {
  'http-concurrency': 'httpConcurrency',
  'http-requests': 'httpRequests',
  'http-seconds': 'httpSeconds',
  'js-sequential': 'jsSequential',
  'js-pipelined': 'jsPipelined',
  'js-window': 'jsWindow',
  'pg-single': 'pgSingle',
  'pg-batched': 'pgBatched',
  'pg-batch-size': 'pgBatchSize',
  accepted: 'accepted',
  listener: 'listener',
  'accepted-concurrency': 'acceptedConcurrency',
  'accepted-seconds': 'acceptedSeconds',
  delivered: 'delivered',
  window: 'window',
  'fanout-events': 'fanoutEvents',
  'fanout-receivers': 'fanoutReceivers',
  'latency-seconds': 'latencySeconds',
  backlog: 'backlog',
  'backlog-timeout': 'backlogTimeoutSeconds',
  'isolation-events': 'isolationEvents',
  'scenario-seconds': 'scenarioSeconds',
};

export const SCENARIOS = ['npm-start', 'http', 'jetstream', 'postgres', 'queue', 'accepted', 'listener', 'delivered', 'latency', 'fanout', 'backlog', 'isolation', 'replicas'] as const;

export const USAGE = `npm run bench -- [flags]

  --quick                 a 1-2 minute smoke run (small sizes)
  --skip a,b              leave scenarios out: ${SCENARIOS.join(', ')}
  --only a,b              run only these scenarios
  --feed nats|http        how delivery scenarios publish events (default nats: JetStream publish, the in-cluster path)
  --fast-pg               PostgreSQL with fsync off (default: durable settings)
  --typescript            run the services from TypeScript (@swc-node/register, as the tests and HOOKLINE_RUN_COMPILED=0 npm start do) instead of the compiled build that npm start and production run (the default; built first, Nx-cached)
  --no-save               do not write bench/results/
  --update-readme         replace the table in README.md's Benchmarks section
  --render FILE           print (and with --update-readme, put in the README) the table of a results file; measures nothing
  --keep                  keep the temporary data folder (logs) after the run
  --profile               run the services with --cpu-prof and print each one's hottest functions
  --egress-deadline 2s    HOOKLINE_EGRESS_DEADLINE for the platform (the isolation scenario's hang)
${Object.keys(NUMERIC)
  .map((k) => `  --${k} N`)
  .join('\n')}`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const o: BenchOptions = { ...DEFAULTS, ...(quick ? QUICK : {}), quick, skip: new Set() };
  const rest = [...argv];
  const value = (flag: string, inline: string | undefined): string => {
    const v = inline ?? rest.shift();
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  while (rest.length > 0) {
    const arg = rest.shift() as string;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const name = flag.replace(/^--/, '');
    if (flag === '--quick') continue;
    if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    if (flag === '--no-save') o.save = false;
    else if (flag === '--update-readme') o.updateReadme = true;
    else if (flag === '--keep') o.keep = true;
    else if (flag === '--profile') o.profile = true;
    else if (flag === '--render') o.render = value(flag, inline);
    else if (flag === '--fast-pg') o.fastPostgres = true;
    else if (flag === '--compiled') o.compiled = true;
    else if (flag === '--typescript') o.compiled = false;
    else if (flag === '--feed') {
      const f = value(flag, inline);
      if (f !== 'nats' && f !== 'http') throw new Error('--feed is nats or http');
      o.feed = f;
    } else if (flag === '--egress-deadline') o.egressDeadline = value(flag, inline);
    else if (flag === '--skip' || flag === '--only') {
      const names = value(flag, inline).split(',').map((s) => s.trim()).filter(Boolean);
      for (const n of names) if (!(SCENARIOS as readonly string[]).includes(n)) throw new Error(`unknown scenario ${n} (${SCENARIOS.join(', ')})`);
      if (flag === '--skip') for (const n of names) o.skip.add(n);
      else for (const n of SCENARIOS) if (!names.includes(n)) o.skip.add(n);
    } else if (NUMERIC[name]) {
      const n = Number(value(flag, inline));
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number`);
      (o as unknown as Record<string, number>)[NUMERIC[name]] = n;
    } else throw new Error(`unknown flag ${arg}\n\n${USAGE}`);
  }
  return o;
}

// Runs the three test tiers with node:test. One PostgreSQL server is started for the
// whole run (each test file makes its own database); each integration or end-to-end
// test file starts its own nats-server, so it can kill and restart it. The summary counts
// skipped and todo tests; a skip in the integration or end-to-end tier fails the run,
// because there it means the PostgreSQL or nats-server it needs was missing.
//
// The end-to-end files named in COMPILED_E2E run against the compiled build (`npm run
// build`, what the image runs, with plain node) instead of the TypeScript sources: a
// tier of their own, after the build. Together they cross every service, the
// migrations, a delivery-kind module loaded by path, and crash recovery.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startPostgres } from '@hookline/local-stack';
import { tempDir } from '@hookline/testing';
import { describeSkipped, tierResult, type MarkedTest } from './test-summary';

const root = join(__dirname, '..');

function find(dirs: string[], suffix: string): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    for (const f of readdirSync(join(root, d), { recursive: true }) as string[]) {
      if (f.endsWith(suffix) && !f.includes('node_modules')) out.push(join(d, f));
    }
  }
  return out.sort();
}

/** End-to-end files (path substrings) run against the compiled build. supervision.e2e.ts runs `npm start` compiled by itself. */
const COMPILED_E2E = [
  'test/e2e/webhooks.e2e.ts',
  'test/e2e/push-notifications.e2e.ts',
  'test/e2e/delivery-kinds.e2e.ts',
  'test/e2e/faults-crashes.e2e.ts',
  // The SDK starts from each service's first import: proved where production runs it, in the compiled JavaScript.
  'test/e2e/tracing.e2e.ts',
];

interface Tier {
  name: string;
  files: string[];
  concurrency: number;
  /** Whether a test may skip: not where tests need the servers the harness starts. */
  allowSkips: boolean;
  /** Check every HTTP exchange the tests' ApiClient makes against the OpenAPI document (libs/testing openapi-contract.ts). */
  contract?: boolean;
  /** Extra environment for the tier's test processes. */
  env?: Record<string, string>;
  /** Runs before the tier; a failure fails the tier. */
  prepare?: () => number;
}

/** `npm run build` (Nx: only what changed) and the end-to-end fixtures the services load by path. */
function buildCompiled(): number {
  console.log('\n=== building the services for the compiled end-to-end tier (npm run build) ===');
  const nxPkg = JSON.parse(readFileSync(join(root, 'node_modules/nx/package.json'), 'utf8')) as { bin: string | Record<string, string> };
  const nxBin = join(root, 'node_modules/nx', typeof nxPkg.bin === 'string' ? nxPkg.bin : nxPkg.bin.nx);
  const steps: string[][] = [[nxBin, 'run-many', '-t', 'build', '--output-style=static'], [join(root, 'deploy/build/compile.mjs'), 'test/e2e/fixtures']];
  for (const args of steps) {
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false' } });
    if (r.status !== 0) return r.status ?? 1;
  }
  return 0;
}

const TEST_TIMEOUT_MS = 600_000;

function runTier(tier: Tier, env: Record<string, string>, reportFile: string): Promise<number> {
  console.log(`\n=== ${tier.name}: ${tier.files.length} files ===`);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '-r', '@swc-node/register',
        '--test',
        `--test-concurrency=${tier.concurrency}`,
        // A test that hangs (a drain that never ends, a server that never answers) fails
        // after ten minutes with its name, instead of holding CI until its 90-minute limit.
        // The longest suite takes about 90 s.
        `--test-timeout=${TEST_TIMEOUT_MS}`,
        '--test-reporter=spec', '--test-reporter-destination=stdout',
        `--test-reporter=${join(root, 'test/summary-reporter.mjs')}`, `--test-reporter-destination=${reportFile}`,
        ...tier.files,
      ],
      { cwd: root, stdio: 'inherit', env: { ...process.env, ...env, ...tier.env } },
    );
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const gone = COMPILED_E2E.filter((f) => !existsSync(join(root, f)));
  if (gone.length > 0) throw new Error(`COMPILED_E2E in test/run-suites.ts names files that do not exist: ${gone.join(', ')}`);
  const filter = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const pick = (files: string[]) => (filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files);
  const tiers: Tier[] = [
    { name: 'unit', files: pick(find(['libs', 'services', 'test', 'bench'], '.spec.ts')), concurrency: 2, allowSkips: true },
    { name: 'integration', files: pick(find(['libs', 'services'], '.integration.ts')), concurrency: 2, allowSkips: false },
    { name: 'end-to-end', files: pick(find(['test'], '.e2e.ts')).filter((f) => !COMPILED_E2E.includes(f)), concurrency: 1, allowSkips: false, contract: true },
    {
      name: 'end-to-end (compiled build)',
      files: pick(find(['test'], '.e2e.ts')).filter((f) => COMPILED_E2E.includes(f)),
      concurrency: 1,
      allowSkips: false,
      contract: true,
      env: { HOOKLINE_RUN_COMPILED: '1' },
      prepare: buildCompiled,
    },
    // Real Chromium against the whole platform (test/browser): the web components a host page embeds.
    { name: 'browser', files: pick(find(['test'], '.browser.ts')), concurrency: 1, allowSkips: false, contract: true },
  ].filter((t) => t.files.length > 0);

  const pgDir = tempDir('pg');
  const pg = await startPostgres({ dataDir: pgDir.path, fast: true });
  const env = { HOOKLINE_TEST_PG_URL: pg.url() };
  const total = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  const forbidden: { tier: string; skip: MarkedTest }[] = [];
  const failures: { tier: string; failure: MarkedTest }[] = [];
  let violations = 0;
  let exit = 0;
  try {
    for (const tier of tiers) {
      const reportFile = join(pgDir.path, `${tier.name.replace(/\W+/g, '-')}.jsonl`);
      const violationsFile = join(pgDir.path, `${tier.name.replace(/\W+/g, '-')}.openapi-violations.jsonl`);
      const prepared = tier.prepare?.() ?? 0;
      const code = prepared !== 0 ? prepared : await runTier(tier, tier.contract ? { ...env, HOOKLINE_OPENAPI_VIOLATIONS: violationsFile } : env, reportFile);
      const r = tierResult(existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '', tier.allowSkips);
      total.passed += r.passed;
      total.failed += r.failed;
      total.skipped += r.skipped.length;
      total.todo += r.todo.length;
      forbidden.push(...r.forbidden.map((skip) => ({ tier: tier.name, skip })));
      failures.push(...r.failures.map((failure) => ({ tier: tier.name, failure })));
      if (code !== 0) exit = code;
      console.log(`--- ${tier.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped.length} skipped, ${r.todo.length} todo (${tier.files.length} files)`);
      for (const s of [...r.skipped, ...r.todo]) console.log(`    ${s.kind === 'skip' ? 'skipped' : 'todo'}: ${describeSkipped(root, s)}`);
      if (tier.contract && existsSync(violationsFile)) {
        const lines = readFileSync(violationsFile, 'utf8').split('\n').filter(Boolean);
        violations += lines.length;
        console.log(`--- ${tier.name}: ${lines.length} exchange(s) disagree with the OpenAPI document (libs/contracts/src/openapi/hookline.openapi.json):`);
        for (const l of lines) {
          const v = JSON.parse(l) as { method: string; path: string; status: number; operation?: string; problem: string; file: string };
          console.log(`    ${v.method} ${v.path} -> ${v.status}${v.operation ? ` (${v.operation})` : ''}: ${v.problem}   [${relative(root, v.file)}]`);
        }
      }
    }
  } finally {
    await pg.destroy();
  }
  // Repeated at the end: a long run's output is often read from its tail.
  for (const { tier, failure } of failures) {
    console.error(`\n[hookline test] FAILED (${tier}): ${describeSkipped(root, { ...failure, reason: '' })}`);
    console.error(failure.reason.replace(/^/gm, '    '));
  }
  console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped, ${total.todo} todo`);
  if (forbidden.length > 0) {
    console.error(
      `\n[hookline test] FAILED: ${forbidden.length} test(s) of the integration or end-to-end tier skipped. These tiers ` +
        'run against the PostgreSQL and nats-server the harness starts, so a skip there means one was missing ' +
        '(run them through npm test or node test/run.mjs, which start PostgreSQL and set HOOKLINE_TEST_PG_URL):',
    );
    for (const f of forbidden) console.error(`  ${f.tier}: ${describeSkipped(root, f.skip)}`);
  }
  if (violations > 0) console.error(`\n[hookline test] FAILED: ${violations} HTTP exchange(s) of the tests disagree with the OpenAPI document (listed above): fix the API or regenerate the document (npm run openapi).`);
  process.exit(exit !== 0 || total.failed > 0 || forbidden.length > 0 || violations > 0 ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// Runs the three test tiers with node:test. One PostgreSQL server is started for the
// whole run (each test file makes its own database); each integration or end-to-end
// test file starts its own nats-server, so it can kill and restart it.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startPostgres } from '@hookline/local-stack';
import { tempDir } from '@hookline/testing';

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

interface Tier {
  name: string;
  files: string[];
  concurrency: number;
}

function runTier(tier: Tier, env: Record<string, string>, reportFile: string): Promise<number> {
  console.log(`\n=== ${tier.name}: ${tier.files.length} files ===`);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '-r', '@swc-node/register',
        '--test',
        `--test-concurrency=${tier.concurrency}`,
        '--test-reporter=spec', '--test-reporter-destination=stdout',
        '--test-reporter=tap', `--test-reporter-destination=${reportFile}`,
        ...tier.files,
      ],
      { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } },
    );
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

function count(report: string, key: string): number {
  const m = new RegExp(`^# ${key} (\\d+)$`, 'm').exec(report);
  return m ? Number(m[1]) : 0;
}

async function main(): Promise<void> {
  const filter = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const pick = (files: string[]) => (filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files);
  const tiers: Tier[] = [
    { name: 'unit', files: pick(find(['libs', 'services', 'test'], '.spec.ts')), concurrency: 2 },
    { name: 'integration', files: pick(find(['libs', 'services'], '.integration.ts')), concurrency: 2 },
    { name: 'end-to-end', files: pick(find(['test'], '.e2e.ts')), concurrency: 1 },
  ].filter((t) => t.files.length > 0);

  const pgDir = tempDir('pg');
  const pg = await startPostgres({ dataDir: pgDir.path, fast: true });
  const env = { HOOKLINE_TEST_PG_URL: pg.url() };
  let passed = 0;
  let failed = 0;
  let exit = 0;
  try {
    for (const tier of tiers) {
      const report = join(pgDir.path, `${tier.name}.tap`);
      const code = await runTier(tier, env, report);
      const text = readFileSync(report, 'utf8');
      passed += count(text, 'pass');
      failed += count(text, 'fail') + count(text, 'cancelled');
      if (code !== 0) exit = code;
      console.log(`--- ${tier.name}: ${count(text, 'pass')} passed, ${count(text, 'fail')} failed (${tier.files.map((f) => relative(root, join(root, f))).length} files)`);
    }
  } finally {
    await pg.stop();
    rmSync(pgDir.path, { recursive: true, force: true });
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(exit !== 0 || failed > 0 ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

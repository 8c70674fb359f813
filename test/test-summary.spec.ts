import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSkipped, tierResult } from './test-summary';

const root = join(__dirname, '..');

/** Runs the fixture under node:test with the harness's reporter, as the harness does; the reporter's output. */
function report(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-summary-'));
  try {
    const out = join(dir, 'report.jsonl');
    // Without NODE_TEST_CONTEXT, which makes a node:test child of a test run report to its parent instead.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT'));
    spawnSync(process.execPath, ['--test', `--test-reporter=${join(root, 'test/summary-reporter.mjs')}`, `--test-reporter-destination=${out}`, join(root, 'test/fixtures/skips.fixture.mjs')], { cwd: root, env, stdio: 'ignore' });
    return readFileSync(out, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the test summary', () => {
  const text = report();

  it('counts passed, failed, skipped (a skipped suite too) and todo', () => {
    const r = tierResult(text, true);
    assert.equal(r.passed, 1);
    assert.equal(r.failed, 1);
    assert.deepEqual(
      r.skipped.map((s) => describeSkipped(root, s)),
      [
        'test/fixtures/skips.fixture.mjs › suite a suite the runner skips whole: HOOKLINE_TEST_PG_URL is not set',
        'test/fixtures/skips.fixture.mjs › is skipped with a reason: no 127.0.0.2',
        'test/fixtures/skips.fixture.mjs › skips itself',
      ],
    );
    assert.deepEqual(r.todo.map((s) => `${s.name}: ${s.reason}`), ['is still to do: later']);
  });

  it('names each failed test with its file and error, to be repeated at the end of the run', () => {
    const r = tierResult(text, true);
    assert.deepEqual(r.failures.map((f) => describeSkipped(root, { ...f, reason: '' })), ['test/fixtures/skips.fixture.mjs › fails']);
    assert.match(r.failures[0].reason, /^Error: on purpose\n\s+at /);
  });

  it('lets the unit tier skip, and makes every skip of the integration and end-to-end tiers fail the run', () => {
    assert.deepEqual(tierResult(text, true).forbidden, []);
    assert.equal(tierResult(text, false).forbidden.length, 3);
  });
});

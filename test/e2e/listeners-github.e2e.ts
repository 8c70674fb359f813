// A real-world payload end to end: tables generated from a GitHub issues event (keys such
// as "+1", "-1" and "org.opencontainers.image.url", arrays of objects, nulls, nesting),
// a listener that verifies X-Hub-Signature-256 and deduplicates on X-GitHub-Delivery, a
// batch of such payloads signed as GitHub signs them (@octokit/webhooks-methods), and
// every one read back from the tables.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSUMERS } from '@hookline/contracts';
import { REPO_ROOT } from '@hookline/local-stack';
import { allRecords, assertProblem, consumersDrained, createListener, eventually, listenerTenant, recordsWhen, startTestStack, TestListener, TestStack } from '@hookline/testing';

const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });

const TENANT = 'github-in';
const SECRET = 'a-github-webhook-secret-for-tests';
const fixture = JSON.parse(readFileSync(join(REPO_ROOT, 'libs/listener-tables/src/testdata/github-issues-event.json'), 'utf8'));

/** The fixture as issue n: another id, number, title, labels and reactions. */
function issueEvent(n: number): any {
  const p = JSON.parse(JSON.stringify(fixture));
  p.issue.id = 2_871_045_512 + n;
  p.issue.number = 42 + n;
  p.issue.title = `Issue ${n}: “quotes”, 'apostrophes'; and -- dashes`;
  p.issue.reactions['+1'] = n;
  p.issue.reactions['-1'] = n % 3;
  p.issue.labels = p.issue.labels.slice(0, 1 + (n % 2));
  if (n % 4 === 0) p.issue.milestone = null;
  return p;
}

describe('a GitHub issues webhook, signed as GitHub signs it', () => {
  let stack: TestStack;
  let l: TestListener;
  let octokit: Octokit;

  async function deliver(payload: unknown, opts: { delivery?: string; body?: string; signature?: string } = {}) {
    const body = opts.body ?? JSON.stringify(payload);
    const res = await fetch(`${stack.url}${l.path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/5f2b8c1',
        'x-github-event': 'issues',
        'x-github-delivery': opts.delivery ?? randomUUID(),
        'x-github-hook-id': '512345678',
        'x-hub-signature-256': opts.signature ?? (await octokit.sign(SECRET, body)),
      },
      body,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
  }

  before(async () => {
    octokit = await importEsm<Octokit>('@octokit/webhooks-methods');
    stack = await startTestStack();
    const { serviceId } = await listenerTenant(stack.operator, TENANT);
    l = await createListener(stack.operator, TENANT, serviceId, {
      name: 'github-issues',
      baseName: 'github_issues',
      sample: fixture,
      primaryKey: ['issue.id'],
      settings: { signature: { preset: 'github', secret: SECRET }, dedup: { header: 'X-GitHub-Delivery' } },
    });
  });
  after(async () => {
    await stack?.stop();
  });

  it('the generated tables hold the payload as real columns and child tables', () => {
    const s = l.body.listener.structure;
    assert.deepEqual(s.tables.map((t: { name: string }) => t.name), ['github_issues', 'github_issues_issue_labels', 'github_issues_issue_assignees']);
    const cols = Object.fromEntries(s.tables[0].columns.map((c: { name: string; type: string }) => [c.name, c.type]));
    assert.equal(cols.issue_id, 'numeric');
    assert.equal(cols.issue_reactions_plus_1, 'numeric');
    assert.equal(cols.issue_reactions_minus_1, 'numeric');
    assert.equal(cols.issue_created_at, 'timestamptz');
    assert.equal(cols.repository_custom_properties_org_opencontainers_image_url, 'text');
    assert.equal(cols.issue_user_login, 'text');
    assert.equal(cols.repository_topics, 'jsonb');
  });

  it('ingests a batch of signed deliveries and reads every one back', async () => {
    const sent = Array.from({ length: 20 }, (_, i) => issueEvent(i + 1));
    for (const p of sent) {
      const r = await deliver(p);
      assert.equal(r.status, 202, r.text);
    }
    const rows = await recordsWhen(stack.operator, l, (x) => x.length === 20, 'twenty issues', 30_000);
    for (const p of sent) {
      const rec = rows.find((r) => r.row.issue_id === p.issue.id);
      assert.ok(rec, `issue ${p.issue.id}`);
      assert.equal(rec.row.issue_title, p.issue.title);
      assert.equal(rec.row.issue_number, p.issue.number);
      assert.equal(rec.row.issue_reactions_plus_1, p.issue.reactions['+1']);
      assert.equal(rec.row.issue_reactions_minus_1, p.issue.reactions['-1']);
      assert.equal(rec.row.issue_body, p.issue.body);
      assert.equal(rec.row.issue_created_at, new Date(p.issue.created_at).toISOString());
      assert.equal(rec.row.repository_custom_properties_org_opencontainers_image_url, p.repository.custom_properties['org.opencontainers.image.url']);
      assert.deepEqual(rec.row.repository_topics, p.repository.topics);
      assert.equal(rec.row.issue_milestone_title, p.issue.milestone ? p.issue.milestone.title : null);
      assert.equal(rec.row.sender_login, 'ada-lovelace');
      assert.deepEqual(rec.children.github_issues_issue_labels.map((x: { name: string }) => x.name), p.issue.labels.map((x: { name: string }) => x.name));
      assert.deepEqual(rec.children.github_issues_issue_assignees.map((x: { login: string }) => x.login), ['grace-hopper', 'ada-lovelace']);
    }
    const one = await allRecords(stack.operator, l, `&key.issue_id=${sent[3].issue.id}`);
    assert.equal(one.length, 1);
  });

  it('a redelivery (same X-GitHub-Delivery) is applied once; a forged or altered one is refused', async () => {
    const p = issueEvent(100);
    const delivery = randomUUID();
    const first = await deliver(p, { delivery });
    const again = await deliver(p, { delivery });
    assert.equal(first.status, 202);
    assert.equal(again.body.duplicate, true);
    assert.equal(again.body.requestId, first.body.requestId);
    const body = JSON.stringify(p);
    assertProblem(await deliver(p, { body: body.replace('Issue 100', 'Issue 666'), signature: await octokit.sign(SECRET, body) }), 401);
    assertProblem(await deliver(p, { signature: await octokit.sign('not-the-secret-at-all', body) }), 401);
    const unsigned = await fetch(`${stack.url}${l.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(unsigned.status, 401);
    const eventsOfIssue = async () => {
      const r = await stack.operator.get(`/v1/audit/events?tenant=${TENANT}&topic=Listener.github-issues.Upserted&objectId=${p.issue.id}`);
      assert.equal(r.status, 200, r.text);
      return r.body.data as any[];
    };
    await eventually('an Upserted event for issue 100', async () => (await eventsOfIssue()).length > 0);
    // Counted once the apply and then the audit log have handled everything accepted: a
    // redelivery applied a second time, however late, would be counted too.
    await consumersDrained(stack.nats.url, [CONSUMERS.listenerApply, CONSUMERS.auditEvents]);
    const events = await eventsOfIssue();
    assert.equal(events.length, 1, JSON.stringify(events.map((e) => e.id)));
    assert.equal(events[0].data.requestId, first.body.requestId);
    assert.equal(events[0].data.record.issue.title, 'Issue 100: “quotes”, \'apostrophes\'; and -- dashes');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { correlation, sanitize } from './correlation';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('names the service and version and redacts secrets at any usual depth', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'svc', version: '1.2.3', level: 'info', destination });
    log.info({ token: 'tok-1', req: { headers: { authorization: 'Bearer abc', 'x-hub-signature': 'sha256=1' } }, account: { secret: 's', totp: '123456' } }, 'hello');
    const line = lines[0];
    assert.equal(line.service, 'svc');
    assert.equal(line.version, '1.2.3');
    assert.equal(line.level, 'info');
    const text = JSON.stringify(line);
    for (const secret of ['tok-1', 'Bearer abc', 'sha256=1', '"s"', '123456']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  });

  it('adds the correlation id of the work in progress', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'svc', version: '1', level: 'info', destination });
    correlation.run('corr-1', () => log.info('inside'));
    log.info('outside');
    assert.equal(lines[0].correlationId, 'corr-1');
    assert.equal(lines[1].correlationId, undefined);
  });
});

describe('sanitize', () => {
  it('keeps printable ids and drops anything that could forge a log line', () => {
    assert.equal(sanitize('abc-123:x'), 'abc-123:x');
    assert.equal(sanitize('a\nb'), undefined);
    assert.equal(sanitize('x'.repeat(200)), undefined);
    assert.equal(sanitize(undefined), undefined);
  });
});

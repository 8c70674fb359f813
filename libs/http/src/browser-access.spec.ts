import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NextFunction, Request, Response } from 'express';
import { browserAccess, parseOrigins } from './browser-access';

function run(origins: string[], method: string, headers: Record<string, string>) {
  const set: Record<string, string> = {};
  let status = 0;
  let passed = false;
  const res = {
    vary: () => res,
    setHeader: (k: string, v: string) => ((set[k.toLowerCase()] = v), res),
    status: (s: number) => ((status = s), res),
    end: () => res,
  } as unknown as Response;
  browserAccess(origins)({ method, headers } as unknown as Request, res, (() => (passed = true)) as NextFunction);
  return { set, status, passed };
}

describe('browserAccess', () => {
  it('parses origins and refuses anything else', () => {
    assert.deepEqual(parseOrigins('https://vet.example.com, http://127.0.0.1:8090'), ['https://vet.example.com', 'http://127.0.0.1:8090']);
    assert.deepEqual(parseOrigins('*'), ['*']);
    for (const bad of ['vet.example.com', 'https://vet.example.com/', 'https://x.example/path', 'ftp://x.example']) assert.throws(() => parseOrigins(bad), /not an origin/);
  });
  it('answers an allowed origin\'s preflight, and only that origin\'s', () => {
    const ok = run(['http://host.example'], 'OPTIONS', { origin: 'http://host.example', 'access-control-request-method': 'POST' });
    assert.equal(ok.status, 204);
    assert.equal(ok.set['access-control-allow-origin'], 'http://host.example');
    assert.match(ok.set['access-control-allow-headers'], /authorization/);
    const other = run(['http://host.example'], 'OPTIONS', { origin: 'http://evil.example', 'access-control-request-method': 'POST' });
    assert.equal(other.passed, true);
    assert.equal(other.set['access-control-allow-origin'], undefined);
  });
  it('adds the headers to a real request and passes it on', () => {
    const r = run(['*'], 'GET', { origin: 'http://any.example' });
    assert.equal(r.passed, true);
    assert.equal(r.set['access-control-allow-origin'], 'http://any.example');
    assert.equal(r.set['access-control-allow-credentials'], undefined);
  });
});

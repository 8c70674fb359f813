// POST/PUT/PATCH/DELETE /hooks/<serviceId>/<listenerId>[/<recordId>]: the inbound half.
// In order: route (404), token before the body is read (401), size (413, also after
// decompression), signature over the raw bytes (401), safe JSON parse (400), the script
// (its rejection or failure, 4xx), the records checked against the tables' structure
// (400 naming the field), PATCH/DELETE of an unknown record (404); then one message per
// record on HOOKLINE_INGEST and, once JetStream has stored them all, 202. The apply
// consumer writes them to the tables in stream order.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONFIG } from '@hookline/config';
import {
  HEADERS,
  ingestMsgId,
  ingestRequestId,
  listenerCredentialId,
  listenerSubjects,
  recordKeyOf,
  SIGNER_SUBJECTS,
  STREAMS,
  structureFingerprint,
  tenantSchema,
  type IngestOp,
  type KeyValue,
  type ListenerChangeState,
  type ListenerIngestMessage,
  type ListenerRequestLog,
  type ListenerStructure,
} from '@hookline/contracts';
import { DomainError, isDatabaseUnavailable, NotFoundError, readBody, ServiceUnavailableError, UnauthorizedError, ValidationError, type FieldProblem, type ProblemBody } from '@hookline/http';
import { describePath, isPlainObject, keyFromRequest, keyOfRecord, mapRecord, mergeRecords, parseJsonBody, recordsAt, type Row } from '@hookline/listener-tables';
import { JetStreamPublisher, NatsClient, NatsRpc } from '@hookline/messaging';
import { labelRoute, LOGGER, Logger, methodLabel, Metrics } from '@hookline/observability';
import type { WebhookListenerConfig } from '../config';
import { LOCK_NOT_AVAILABLE, sqlStateOf } from '../logs/log-entries';
import { LogBuffer } from '../logs/log-buffer';
import { RecordsRepository } from '../records/records.repository';
import { tokenOpens } from '../registry-view/listeners-view';
import { ListenersViewProvider } from '../registry-view/listeners-view.provider';
import { ScriptRunner } from '../scripts/script-runner';
import { BodyDedupWindow, dedupKeyOf, header, isJsonType, keyParams, loggedPath, parseHookPath, presentedToken, scriptHeaders, scriptQuery, type HookRoute } from './request-parts';

const METHODS: Record<string, IngestOp> = { POST: 'upsert', PUT: 'upsert', PATCH: 'patch', DELETE: 'delete' };

class ProblemError extends DomainError {
  constructor(status: number, slug: string, title: string, detail: string, extra: Record<string, unknown> = {}) {
    super(status, slug, title, detail, extra);
  }
}

/** One change to publish: a record's op, key and fields. */
interface Change {
  op: IngestOp;
  key: Record<string, KeyValue>;
  record?: Row;
}

@Injectable()
export class IngestService {
  private readonly requests;
  private readonly accepted;
  /** Body hashes seen within their listener's window, so a retry's key does not depend on where the window's aligned intervals fall. */
  private readonly bodyWindow = new BodyDedupWindow();

  constructor(
    private readonly views: ListenersViewProvider,
    private readonly scripts: ScriptRunner,
    private readonly records: RecordsRepository,
    private readonly publisher: JetStreamPublisher,
    private readonly nats: NatsClient,
    private readonly rpc: NatsRpc,
    private readonly logs: LogBuffer,
    @Inject(CONFIG) private readonly config: WebhookListenerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.requests = metrics.counter('listenerRequests');
    this.accepted = metrics.counter('listenerRecords');
  }

  /**
   * Everything under /hooks, straight from node:http (bootstrap.ts hands it over before
   * Nest and express see the request, outside any correlation scope): `url` is the
   * request's path and query, starting with /hooks; `correlationId` the request's, which
   * its messages (and so its host events) and its log lines carry.
   */
  readonly handle = (req: IncomingMessage, res: ServerResponse, url: string, correlationId: string): void => {
    void this.serve(new HookRequest(req, url, correlationId), res);
  };

  private async serve(req: HookRequest, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const at = new Date();
    let listener: ListenerChangeState | undefined;
    let size = 0;
    let body: Buffer | undefined;
    let requestId: string | undefined;
    try {
      const route = parseHookPath(req.path);
      if (!route) throw new NotFoundError(`a listener at ${req.pathname}`);
      labelRoute(req.raw, route.recordId === undefined ? '/hooks/:serviceId/:listenerId' : '/hooks/:serviceId/:listenerId/:recordId');
      listener = await this.listenerFor(route);
      const op = METHODS[req.method];
      if (!op) {
        res.setHeader('Allow', 'POST, PUT, PATCH, DELETE');
        throw new ProblemError(405, 'method-not-allowed', 'Method not allowed', `${req.method}: a listener takes POST, PUT, PATCH and DELETE`);
      }
      const query = new URLSearchParams(req.search);
      // The token is checked before a byte of the body is read.
      if (listener.auth.method === 'token') await this.authenticate(listener, req, query);
      const read = await readBody(req.raw, this.config.maxBodyBytes);
      if (!read.ok) {
        if (read.status === 413) throw new ProblemError(413, 'payload-too-large', 'Payload too large', `body: ${read.message}`, { errors: [{ field: 'body', message: read.message }] });
        if (read.status === 415) throw new ProblemError(415, 'unsupported-media-type', 'Unsupported media type', `Content-Encoding: ${read.message}`, { errors: [{ field: 'Content-Encoding', message: read.message }] });
        throw new ValidationError([{ field: 'body', message: read.message }]);
      }
      size = read.raw.length;
      body = read.body;
      if (listener.signature) await this.verifySignature(listener, req, read.body);
      if (!listener.structure) throw new ProblemError(409, 'conflict', 'Conflict', `listener ${listener.name} has no tables yet: accept a structure first (PUT /v1/listeners/${listener.id}/structure)`);
      const parsed = this.parse(req, op, read.body);
      const dedup = dedupKeyOf(listener, { method: req.method, path: req.path, query, headers: req.headers, body: read.body, parsed }, Date.now(), randomUUID, this.bodyWindow);
      if ('problem' in dedup) throw new ValidationError([dedup.problem]);
      requestId = ingestRequestId(listener.id, dedup.key);
      const changes = await this.changesOf(listener, listener.structure, op, route, req, query, parsed);
      if (op !== 'upsert') await this.requireExisting(listener, listener.structure, changes);
      const storing = performance.now();
      const { duplicate } = await this.publish(listener, listener.structure, requestId, req.correlationId, changes, {
        requestId,
        method: req.method,
        path: loggedPath(req.url, listener),
        status: 202,
        state: 'success',
        durationMs: performance.now() - started,
        size,
        records: changes.length,
        at: at.toISOString(),
      });
      const done = performance.now();
      // How long the request took here and how much of it JetStream took to store it (what a sender's latency is made of).
      res.setHeader('Server-Timing', `store;dur=${(done - storing).toFixed(2)}, total;dur=${(done - started).toFixed(2)}`);
      send(res, 202, 'application/json; charset=utf-8', JSON.stringify({ requestId, records: changes.length, duplicate }));
      this.requests.inc({ method: methodLabel(req.method), status: '202', outcome: duplicate ? 'duplicate' : 'accepted' });
      if (!duplicate) this.accepted.inc({}, changes.length);
    } catch (caught) {
      // PostgreSQL down or restarting (the PATCH/DELETE lookup needs it): an outage, not a
      // bug, so a 503 with Retry-After the sender retries on, as the rest of the API answers.
      const err = isDatabaseUnavailable(caught) ? new ServiceUnavailableError('the database is not reachable right now; send it again shortly', 2) : caught;
      if (err !== caught) this.logger.warn({ listenerId: listener?.id, err: (caught as Error).message, correlationId: req.correlationId }, 'database unavailable');
      const problem = this.toProblem(err, req);
      this.requests.inc({ method: methodLabel(req.method), status: String(problem.status), outcome: problem.status >= 500 ? 'failed' : 'refused' });
      if (problem.status === 401 && listener?.auth.method === 'token') res.setHeader('WWW-Authenticate', 'Bearer realm="hookline-listener"');
      if (problem.status === 503) res.setHeader('Retry-After', String((err as ServiceUnavailableError).retryAfterSeconds ?? 1));
      send(res, problem.status, 'application/problem+json; charset=utf-8', JSON.stringify(problem));
      if (listener) {
        this.logs.push({
          tenantId: listener.tenant,
          listenerId: listener.id,
          keep: listener.keepLogs,
          requestId: requestId ?? '',
          method: req.method,
          path: loggedPath(req.url, listener),
          status: problem.status,
          state: 'error',
          error: String(problem.detail ?? problem.title).slice(0, 2000),
          durationMs: performance.now() - started,
          size,
          records: 0,
          at: at.toISOString(),
          ...(body && this.config.logBodyMax > 0 ? { body: body.subarray(0, this.config.logBodyMax).toString('utf8') } : {}),
        });
      }
    }
  }

  /** The enabled listener at this route; a miss is confirmed against an up-to-date view first. */
  private async listenerFor(route: HookRoute): Promise<ListenerChangeState> {
    const found = this.views.view.route(route.serviceId, route.listenerId);
    if (found) return found;
    await this.views.upToDate().catch(() => undefined);
    const again = this.views.view.route(route.serviceId, route.listenerId);
    if (!again) throw new NotFoundError(`a listener at /hooks/${route.serviceId}/${route.listenerId}`);
    return again;
  }

  private async authenticate(listener: ListenerChangeState, req: HookRequest, query: URLSearchParams): Promise<void> {
    if (listener.auth.method !== 'token') return;
    const token = presentedToken(listener.auth.location, req.headers, query);
    if (tokenOpens(listener, token, Date.now())) return;
    // A token generated a moment ago may not have reached this view yet.
    await this.views.upToDate().catch(() => undefined);
    const current = this.views.view.listener(listener.tenant, listener.id);
    if (current && tokenOpens(current, token, Date.now())) return;
    const where = listener.auth.location.in === 'authorization' ? 'the Authorization header' : listener.auth.location.in === 'header' ? `the ${listener.auth.location.name} header` : `the ${listener.auth.location.name} query parameter`;
    throw new UnauthorizedError(token === undefined ? `the token is missing (expected in ${where})` : `the token in ${where} is not valid`);
  }

  private async verifySignature(listener: ListenerChangeState, req: HookRequest, raw: Buffer): Promise<void> {
    const headers: Record<string, string> = {};
    for (const name of ['x-hub-signature-256', 'stripe-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature', listener.signature?.header ?? '']) {
      const v = name ? header(req.headers, name) : undefined;
      if (v !== undefined) headers[name] = v.slice(0, 8192);
    }
    const reply = await this.rpc.call(
      SIGNER_SUBJECTS.verify,
      { tenantId: listener.tenant, credentialId: listenerCredentialId(listener.id), headers, body: raw.toString('base64') },
      { timeoutMs: this.config.verifyTimeoutMs, correlationId: req.correlationId },
    );
    if (!reply.ok) {
      this.logger.warn({ listenerId: listener.id, code: reply.error.code, err: reply.error.message, correlationId: req.correlationId }, 'signature check failed to run');
      throw new ServiceUnavailableError('the signature could not be checked right now; try again', 2);
    }
    if (!reply.result.valid) throw new UnauthorizedError(`signature: ${reply.result.reason ?? 'not valid'}`);
  }

  private parse(req: HookRequest, op: IngestOp, raw: Buffer): unknown {
    if (op === 'delete' && raw.length === 0) return null;
    if (raw.length === 0) throw new ValidationError([{ field: 'body', message: 'is empty; send a JSON record or array of records' }]);
    if (!isJsonType(req.headers['content-type'])) {
      throw new ProblemError(415, 'unsupported-media-type', 'Unsupported media type', `body: content type must be application/json, got "${req.headers['content-type'] ?? '(none)'}"`, {
        errors: [{ field: 'body', message: 'content type must be application/json' }],
      });
    }
    const r = parseJsonBody(raw);
    if (!r.ok) throw new ValidationError([r.problem]);
    return r.value;
  }

  /** What the request changes, record by record: from the script when there is one, else from the body and URL. */
  private async changesOf(l: ListenerChangeState, s: ListenerStructure, op: IngestOp, route: HookRoute, req: HookRequest, query: URLSearchParams, parsed: unknown): Promise<Change[]> {
    let records: unknown[] | undefined;
    let field = 'body';
    if (l.script) {
      const out = await this.scripts.run(
        l.script.source,
        { method: req.method, headers: scriptHeaders(req.headers, l), query: scriptQuery(query, l), params: { serviceId: route.serviceId, listenerId: route.listenerId, ...(route.recordId !== undefined ? { recordId: route.recordId } : {}) }, body: parsed },
        { timeoutMs: l.script.timeoutMs, memoryMb: l.script.memoryMb },
      );
      if (out.kind === 'rejected') throw new ProblemError(out.status, 'script-rejected', 'Rejected by the listener script', out.message);
      if (out.kind === 'failed') throw new ProblemError(422, 'script-failed', 'The listener script failed', out.message);
      // Not the script's fault (its thread stopped, every thread busy): the sender tries again.
      if (out.kind === 'unavailable') throw new ServiceUnavailableError(`the listener script could not run: ${out.message}`, out.retryAfterSeconds);
      if (out.value !== undefined) {
        records = Array.isArray(out.value) ? out.value : [out.value];
        field = 'script result';
      }
    }
    const problems: FieldProblem[] = [];
    const changes: Change[] = [];
    const at = (i: number, base: string) => (records && records.length > 1 ? `${base}[${i}]` : base);
    if (op === 'delete') {
      if (records) {
        records.forEach((r, i) => {
          if (!isPlainObject(r)) return problems.push({ field: at(i, field), message: 'must be an object holding the key' });
          const k = keyOfRecord(s, r, at(i, field));
          if (k.ok) changes.push({ op, key: k.key });
          else problems.push(...k.problems);
        });
      } else {
        const given = keyParams(s.primaryKey, query);
        if (!given.ok) throw new ValidationError(given.problems);
        const k = keyFromRequest(s, route.recordId, given.values);
        if (!k.ok) throw new ValidationError(k.problems);
        changes.push({ op, key: k.key });
      }
    } else {
      if (!records) {
        if (op === 'patch' && route.recordId !== undefined) records = [parsed];
        else {
          const found = recordsAt(parsed, s.rootPath);
          if (found.problem) throw new ValidationError([found.problem]);
          records = found.records;
          if (s.rootPath.length > 0) field = `body.${describePath(s.rootPath)}`;
        }
      }
      if (op === 'patch' && route.recordId !== undefined && records.length !== 1) throw new ValidationError([{ field, message: 'PATCH of one record (in the URL) takes one object' }]);
      records.forEach((raw, i) => {
        let r = raw;
        if (op === 'patch' && route.recordId !== undefined && isPlainObject(raw)) {
          const k = keyFromRequest(s, route.recordId, {});
          if (!k.ok) return problems.push(...k.problems);
          r = withKey(s, raw, k.key, problems);
        }
        const m = mapRecord(s, r, op === 'patch' ? 'patch' : 'upsert', at(i, field));
        if (!m.ok) return problems.push(...m.problems);
        changes.push({ op, key: m.rows.key, record: r as Row });
      });
    }
    if (problems.length > 0) throw new ValidationError(problems.slice(0, 20));
    if (changes.length === 0) throw new ValidationError([{ field, message: 'holds no record' }]);
    if (changes.length > 1000) throw new ValidationError([{ field, message: 'holds more than 1000 records' }]);
    return changes;
  }

  /**
   * PATCH and DELETE need the record to exist: in the table, unless a change accepted but
   * not yet applied says otherwise (the stream holds it under the record's subject).
   */
  private async requireExisting(l: ListenerChangeState, s: ListenerStructure, changes: Change[]): Promise<void> {
    const unknown: Change[] = [];
    const toCheck: Change[] = [];
    await Promise.all(
      changes.map(async (c) => {
        const subject = listenerSubjects.ingest(l.tenant, l.id, recordKeyOf(s.primaryKey, c.key));
        let pending: ListenerIngestMessage | undefined;
        try {
          const m = await this.nats.jsm.streams.getMessage(STREAMS.ingest.name, { last_by_subj: subject });
          pending = m ? m.json<ListenerIngestMessage>() : undefined;
        } catch (err) {
          throw new ServiceUnavailableError(`the ingest stream could not be read (${(err as Error).message}); try again`, 1);
        }
        if (pending) {
          if (pending.op === 'delete') unknown.push(c);
        } else toCheck.push(c);
      }),
    );
    if (toCheck.length > 0) {
      let existing: Set<string>;
      try {
        existing = await this.records.existingKeys(tenantSchema(l.tenant), s, toCheck.map((c) => c.key), this.config.applyLockTimeoutMs);
      } catch (err) {
        if (sqlStateOf(err) !== LOCK_NOT_AVAILABLE) throw err;
        throw new ServiceUnavailableError(`listener ${l.name}'s table is locked (a structure change may be running); send it again`, 2);
      }
      for (const c of toCheck) if (!existing.has(recordKeyOf(s.primaryKey, c.key))) unknown.push(c);
    }
    if (unknown.length > 0) throw new NotFoundError(`record ${unknown.map((c) => recordKeyOf(s.primaryKey, c.key)).slice(0, 5).join(', ')} of listener ${l.name}`);
  }

  private async publish(l: ListenerChangeState, s: ListenerStructure, requestId: string, correlationId: string, changes: Change[], log: ListenerRequestLog): Promise<{ duplicate: boolean }> {
    const headers = { [HEADERS.correlationId]: correlationId };
    const acceptedAt = new Date().toISOString();
    const structure = structureFingerprint(s);
    try {
      const acks = await Promise.all(
        changes.map((c, index) => {
          const m: ListenerIngestMessage = {
            tenantId: l.tenant,
            listenerId: l.id,
            requestId,
            index,
            count: changes.length,
            op: c.op,
            key: { ...c.key },
            ...(c.record ? { record: c.record } : {}),
            acceptedAt,
            structure,
            ...(index === 0 ? { log: { ...log, durationMs: Math.round(log.durationMs) } } : {}),
          };
          return this.publisher.publish('listener-ingest', listenerSubjects.ingest(l.tenant, l.id, recordKeyOf(s.primaryKey, c.key)), m, { msgId: ingestMsgId(requestId, index), deadlineMs: 5000, headers });
        }),
      );
      return { duplicate: acks.every((a) => a.duplicate) };
    } catch (err) {
      this.logger.warn({ listenerId: l.id, err: (err as Error).message, correlationId }, 'could not store an inbound request');
      throw new ServiceUnavailableError('the request could not be stored right now; send it again (with the same Idempotency-Key)', 1);
    }
  }

  private toProblem(err: unknown, req: HookRequest): ProblemBody {
    if (err instanceof DomainError) return { ...err.toProblem(), instance: req.pathname };
    const errorId = randomUUID();
    this.logger.error({ errorId, err: (err as Error)?.message, stack: (err as Error)?.stack, correlationId: req.correlationId }, 'inbound request failed');
    return { type: 'https://hookline.dev/problems/internal', title: 'Internal error', status: 500, detail: `internal error ${errorId}`, errorId };
  }
}

/** A PATCH body with the key from the URL laid in at its source paths (a key in the body must agree). */
function withKey(s: ListenerStructure, body: Row, key: Record<string, KeyValue>, problems: FieldProblem[]): Row {
  let out = body;
  const root = s.tables[0];
  for (const name of s.primaryKey) {
    const col = root.columns.find((c) => c.name === name);
    if (!col) continue;
    let nested: unknown = key[name];
    for (let i = col.source.length - 1; i >= 0; i--) {
      const o: Row = Object.create(null);
      Object.defineProperty(o, col.source[i], { value: nested, enumerable: true, writable: true, configurable: true });
      nested = o;
    }
    const given = keyOfRecord({ ...s, primaryKey: [name] }, body, 'body');
    if (given.ok && given.key[name] !== key[name]) problems.push({ field: `body.${describePath(col.source)}`, message: `says ${String(given.key[name])}, the URL ${String(key[name])}` });
    out = mergeRecords(out, nested as Row);
  }
  return out;
}

/** What the ingest reads of a request: node's own, with the parts of its URL express used to hand over. */
class HookRequest {
  readonly method: string;
  readonly headers: IncomingMessage['headers'];
  /** The path and query as sent, starting with /hooks. */
  readonly url: string;
  readonly pathname: string;
  /** The path after /hooks ("/" when none): what the route and the request hash read. */
  readonly path: string;
  readonly search: string;

  constructor(
    readonly raw: IncomingMessage,
    url: string,
    /** The request's correlation id (bootstrap.ts: given or new, and sent back). */
    readonly correlationId: string,
  ) {
    this.method = raw.method ?? 'GET';
    this.headers = raw.headers;
    this.url = url;
    const q = url.indexOf('?');
    this.pathname = q < 0 ? url : url.slice(0, q);
    this.search = q < 0 ? '' : url.slice(q + 1);
    this.path = this.pathname.slice('/hooks'.length) || '/';
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

// The signer's NATS face: request/reply handlers for signing and for the credential
// lifecycle, each request checked against its published schema, domain errors mapped
// to reply codes. Credential changes are broadcast so every instance drops its cache.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SIGNER_QUEUE, SIGNER_SUBJECTS, type RpcReply, type RpcRequestOf, type RpcResultOf, type RpcSubject, type SignResult } from '@hookline/contracts';
import { NatsClient, NatsRpc } from '@hookline/messaging';
import { InstanceStats, LOGGER, Logger, Metrics } from '@hookline/observability';
import { InvalidCredentialError } from '../credentials/credential-spec';
import { CredentialConflictError, CredentialNotFoundError, CredentialsService } from '../credentials/credentials.service';
import { TokenEndpointError } from '../oauth2/client-credentials';
import { checkRequest } from './request-validator';
import { VerificationService } from '../verification/verification.service';
import { BodyFieldError, DeliveryIdError, MissingBodyError, MissingFieldError, SchemeMismatchError, SigningService } from './signing.service';

/** Core NATS (no queue group): every signer instance hears that a credential changed. */
export const INVALIDATE_SUBJECT = 'hookline.signer.invalidate';

function toReply<T>(err: unknown): RpcReply<T> {
  if (err instanceof InvalidCredentialError || err instanceof MissingBodyError || err instanceof MissingFieldError || err instanceof BodyFieldError || err instanceof DeliveryIdError) return { ok: false, error: { code: 'invalid-request', message: err.message } };
  if (err instanceof CredentialNotFoundError) return { ok: false, error: { code: 'not-found', message: err.message } };
  if (err instanceof CredentialConflictError) return { ok: false, error: { code: 'conflict', message: err.message } };
  if (err instanceof SchemeMismatchError) return { ok: false, error: { code: 'scheme-mismatch', message: err.message } };
  if (err instanceof TokenEndpointError) return { ok: false, error: { code: 'token-endpoint', message: err.message, errorClass: err.errorClass } };
  throw err;
}

@Injectable()
export class SigningResponder implements OnApplicationBootstrap {
  private readonly duration;

  constructor(
    private readonly rpc: NatsRpc,
    private readonly nats: NatsClient,
    private readonly signing: SigningService,
    private readonly verification: VerificationService,
    private readonly credentials: CredentialsService,
    private readonly stats: InstanceStats,
    @Inject(LOGGER) private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.duration = metrics.histogram('signerDuration');
  }

  onApplicationBootstrap(): void {
    this.handle(SIGNER_SUBJECTS.sign, (r) => this.sign(r));
    // Many sign requests in one message: each checked and answered exactly as on `sign`, its own reply.
    this.handle(SIGNER_SUBJECTS.signBatch, async (batch) => ({
      replies: await Promise.all(batch.requests.map((r) => this.answer(SIGNER_SUBJECTS.sign, r, (checked) => this.sign(checked), true))),
    }));
    this.handle(SIGNER_SUBJECTS.verify, (r) => this.verification.verify(r));
    this.handle(SIGNER_SUBJECTS.createCredential, async (r) => {
      const out = await this.credentials.create(r);
      this.changed(r.tenantId, r.credentialId, 'created', out.version);
      return out;
    });
    this.handle(SIGNER_SUBJECTS.rotateCredential, async (r) => {
      const out = await this.credentials.rotate(r);
      this.changed(r.tenantId, r.credentialId, 'rotated', out.version);
      return out;
    });
    this.handle(SIGNER_SUBJECTS.revokeCredential, async (r) => {
      const out = await this.credentials.revoke(r);
      this.changed(r.tenantId, r.credentialId, 'revoked');
      return out;
    });
    this.handle(SIGNER_SUBJECTS.describeCredential, (r) => this.credentials.describe(r));

    const sub = this.nats.nc.subscribe(INVALIDATE_SUBJECT);
    void (async () => {
      for await (const m of sub) {
        try {
          const { tenantId, credentialId } = JSON.parse(m.string()) as { tenantId: string; credentialId: string };
          this.credentials.forget(tenantId, credentialId);
        } catch {
          /* not ours to answer; the cache period is the backstop */
        }
      }
    })();
  }

  private sign(request: RpcRequestOf<typeof SIGNER_SUBJECTS.sign>): Promise<SignResult> {
    this.stats.count('signatures');
    return this.signing.sign(request);
  }

  private handle<S extends RpcSubject>(subject: S, fn: (request: RpcRequestOf<S>) => Promise<RpcResultOf<S>>): void {
    this.rpc.serve(subject, (data) => this.timed(subject, () => this.answer(subject, data, fn)), { queue: SIGNER_QUEUE });
  }

  /** Each answered request in hookline_signer_request_duration_seconds, by subject and outcome (a batch once). */
  private async timed<T>(subject: string, answer: () => Promise<RpcReply<T>>): Promise<RpcReply<T>> {
    const started = performance.now();
    let outcome = 'internal';
    try {
      const r = await answer();
      outcome = r.ok ? 'ok' : r.error.code;
      return r;
    } finally {
      this.duration.observe({ subject, outcome }, (performance.now() - started) / 1000);
    }
  }

  /**
   * One request's reply: checked against its published schema, domain errors as reply
   * codes. In a batch (`own`), an unexpected error is this item's `internal` reply (with
   * an error id the log shares) rather than the whole batch's.
   */
  private async answer<S extends RpcSubject>(subject: S, data: unknown, fn: (request: RpcRequestOf<S>) => Promise<RpcResultOf<S>>, own = false): Promise<RpcReply<RpcResultOf<S>>> {
    const checked = checkRequest(subject, data);
    if (!checked.ok) return { ok: false, error: { code: 'invalid-request', message: checked.message } };
    try {
      return { ok: true, result: await fn(checked.request) };
    } catch (err) {
      try {
        return toReply<RpcResultOf<S>>(err);
      } catch (unexpected) {
        if (!own) throw unexpected;
        const errorId = randomUUID();
        this.logger.error({ subject, errorId, err: (unexpected as Error).message, stack: (unexpected as Error).stack }, 'request handler failed');
        return { ok: false, error: { code: 'internal', message: `internal error ${errorId}` } };
      }
    }
  }

  private changed(tenantId: string, credentialId: string, what: string, version?: number): void {
    this.logger.info({ tenantId, credentialId, version }, `delivery credential ${what}`);
    this.nats.nc.publish(INVALIDATE_SUBJECT, JSON.stringify({ tenantId, credentialId }));
  }
}

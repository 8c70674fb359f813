// A plan names its transport; this sends an attempt's finished request over it: HTTP
// through the SSRF-safe egress client, or an e-mail over SMTP (nodemailer, the server
// from HOOKLINE_SMTP_URL). Both answer with the same result shape, so judging, logging
// and retrying an attempt do not depend on how it travelled.
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { CONFIG } from '@hookline/config';
import { DELIVERY_HEADERS, mailtoAddress, parseEmailPayload, renderEmail, type DeliveryPlan, type OutboundRequest } from '@hookline/delivery';
import { EgressClient, type EgressResult } from '@hookline/egress';
import type { DispatcherConfig } from '../../config';
import { singleRecipient } from './mail-recipient';
import { smtpAccepted, smtpFailure, type SmtpError } from './smtp-outcome';

@Injectable()
export class Transports implements OnModuleDestroy {
  private smtp?: Transporter;

  constructor(
    private readonly egress: EgressClient,
    @Inject(CONFIG) private readonly config: DispatcherConfig,
  ) {}

  send(plan: DeliveryPlan, req: OutboundRequest): Promise<EgressResult> {
    if (plan.transport === 'smtp') return this.mail(req);
    return this.egress.request({ method: req.method, url: req.url, headers: req.headers, body: req.body });
  }

  onModuleDestroy(): void {
    this.smtp?.close();
  }

  private transporter(): Transporter | undefined {
    if (!this.config.smtpUrl) return undefined;
    this.smtp ??= createTransport({
      url: this.config.smtpUrl,
      connectionTimeout: this.config.egressConnectTimeoutMs,
      greetingTimeout: this.config.egressConnectTimeoutMs,
      socketTimeout: this.config.egressDeadlineMs,
      // nodemailer's own logger would print the message, secret included.
      logger: false,
      debug: false,
    });
    return this.smtp;
  }

  private async mail(req: OutboundRequest): Promise<EgressResult> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    const smtp = this.transporter();
    if (!smtp) return { kind: 'error', errorClass: 'network', reason: 'no SMTP server is configured (HOOKLINE_SMTP_URL)', durationMs: 0 };
    let message;
    try {
      const payload = parseEmailPayload(req.body?.toString('utf8') ?? '');
      message = { to: mailtoAddress(req.url), ...renderEmail(payload) };
    } catch (err) {
      return { kind: 'error', errorClass: 'internal', reason: (err as Error).message, durationMs: elapsed() };
    }
    const to = singleRecipient(message.to);
    if (!to.ok) return { kind: 'error', errorClass: 'internal', reason: to.reason, durationMs: elapsed() };
    try {
      const info = (await smtp.sendMail({
        from: this.config.smtpFrom,
        to: to.address,
        subject: message.subject,
        text: message.text,
        // The same delivery id on every retry, for the recipient's deduplication as with webhooks.
        headers: { 'X-Hookline-Delivery-Id': req.headers[DELIVERY_HEADERS.deliveryId] ?? '' },
      })) as { response?: string };
      return smtpAccepted(info.response, elapsed());
    } catch (err) {
      return smtpFailure(err as SmtpError, elapsed());
    }
  }
}

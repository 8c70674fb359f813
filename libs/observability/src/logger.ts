import pino, { Logger } from 'pino';
import { correlation } from './correlation';
import { addTraceLogFields } from './tracing';

/**
 * Paths whose values never reach a log line. pino's wildcards match one level, so the
 * common nestings are spelled out.
 */
export const REDACT_PATHS = [
  'authorization',
  'token',
  'secret',
  'password',
  'totp',
  'salt',
  'accessToken',
  'access_token',
  'refresh_token',
  'client_secret',
  'apiToken',
  'totpSecret',
  '*.authorization',
  '*.Authorization',
  '*.token',
  '*.secret',
  '*.password',
  '*.totp',
  '*.salt',
  '*.accessToken',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.apiToken',
  '*.totpSecret',
  '*.cookie',
  // API accounts: credentials shown once, tokens exchanged, keys and hashes at rest.
  'credentials',
  '*.credentials',
  'subject_token',
  '*.subject_token',
  'actor_token',
  '*.actor_token',
  'tokenHash',
  '*.tokenHash',
  'privateKeyPem',
  '*.privateKeyPem',
  'otpauthUri',
  '*.otpauthUri',
  '*["x-hub-signature"]',
  '*["webhook-signature"]',
  '*["x-hookline-operator-token"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-hub-signature"]',
  '*.headers["webhook-signature"]',
  // Delivery credentials (signer) and outbound request headers as sent (capitalised names).
  'clientSecret',
  'sealedSecret',
  '*.clientSecret',
  '*.sealedSecret',
  '*["X-Hub-Signature"]',
  '*.headers.Authorization',
  '*.headers["X-Hub-Signature"]',
  '*.headers["proxy-authorization"]',
  // Push notifications: the JWT sent as Authorization (the registry hands it to the signer).
  'notification_jwt',
  '*.notification_jwt',
  '*.spec.token',
];

export interface LoggerOptions {
  service: string;
  version: string;
  level: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read them. */
  destination?: pino.DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: opts.service, version: opts.version, pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const id = correlation.current();
        // A new object each time: pino merges the line's own fields into it.
        const fields: Record<string, string> = id ? { correlationId: id } : {};
        // With traces on, the active span's traceId and spanId too.
        addTraceLogFields(fields);
        return fields;
      },
    },
    opts.destination ?? pino.destination({ sync: false }),
  );
}

export type { Logger };

// The local stand-in for an SMTP server (smtp-server): `npm start` and the end-to-end tests
// point HOOKLINE_SMTP_URL at it, so hookup e-mails go through real SMTP and end up where a
// person can read them (each as <data>/mail/<time>-<id>.eml, and at /local/mail on the
// API's base URL) and a test can assert on them. It accepts every message and relays none.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  id: string;
  at: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** Where the raw message is kept. */
  file: string;
}

export interface MailSink {
  /** smtp://127.0.0.1:<port> */
  url: string;
  dir: string;
  /** Received so far, oldest first (the last 500). */
  messages(): ReceivedMail[];
  close(): Promise<void>;
}

const MAX_KEPT = 500;
const MAX_SIZE = 1024 * 1024;

export function startMailSink(opts: { dir: string; host?: string; port?: number }): Promise<MailSink> {
  mkdirSync(opts.dir, { recursive: true });
  const kept: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_SIZE,
    logger: false,
    banner: 'Hookline local mail sink (nothing is relayed)',
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const id = randomUUID();
        const at = new Date().toISOString();
        const file = join(opts.dir, `${at.replace(/[:.]/g, '-')}-${id}.eml`);
        writeFileSync(file, raw);
        simpleParser(raw)
          .then((parsed) => {
            const headers: Record<string, string> = {};
            for (const line of parsed.headerLines) headers[line.key.toLowerCase()] = line.line.slice(line.line.indexOf(':') + 1).trim();
            kept.push({
              id,
              at,
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              headers,
              file,
            });
            if (kept.length > MAX_KEPT) kept.shift();
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      const address = server.server.address() as { port: number };
      resolve({
        url: `smtp://${opts.host ?? '127.0.0.1'}:${address.port}`,
        dir: opts.dir,
        messages: () => [...kept],
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

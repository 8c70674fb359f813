// Reads a request body with a hard limit, before anything parses it: a body over the
// limit (as sent, and again after gzip/deflate decompression) is refused with 413 as
// soon as the limit is crossed, so a small compressed body cannot inflate into a large one.
import type { IncomingMessage } from 'node:http';
import { gunzip, inflate } from 'node:zlib';

export type BodyResult =
  | { ok: true; raw: Buffer; body: Buffer }
  | { ok: false; status: 400 | 413 | 415; message: string };

function readRaw(req: IncomingMessage, limit: number): Promise<{ ok: true; raw: Buffer } | { ok: false }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: { ok: true; raw: Buffer } | { ok: false }) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      resolve(r);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // Stop keeping it; Node discards the rest once the answer is sent.
        finish({ ok: false });
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => finish({ ok: true, raw: Buffer.concat(chunks, size) });
    const onError = (err: Error) => {
      if (!done) {
        done = true;
        reject(err);
      }
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function decompress(fn: typeof gunzip, raw: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => fn(raw, { maxOutputLength: limit }, (err, out) => (err ? reject(err) : resolve(out))));
}

export async function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const tooLarge = `the request body exceeds ${limit} bytes`;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return { ok: false, status: 413, message: tooLarge };
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'x-gzip', 'deflate'].includes(encoding)) return { ok: false, status: 415, message: `Content-Encoding ${encoding} is not supported (use gzip, deflate or none)` };
  const r = await readRaw(req, limit);
  if (!r.ok) return { ok: false, status: 413, message: tooLarge };
  if (encoding === 'identity') return { ok: true, raw: r.raw, body: r.raw };
  try {
    const body = await decompress(encoding === 'deflate' ? inflate : gunzip, r.raw, limit);
    return { ok: true, raw: r.raw, body };
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) return { ok: false, status: 413, message: `${tooLarge} once decompressed` };
    return { ok: false, status: 400, message: `the body is not valid ${encoding} data` };
  }
}

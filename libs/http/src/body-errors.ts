// What a body parser's failure means to the caller: body-parser (express.json and
// express.urlencoded) reports a body it could not read as an http-errors error, most with
// a `type` but not all: a gzip, deflate or br body that does not decompress comes as a
// bare 400 wrapping zlib's error, which was answered as a 500.
import { isUtf8 } from 'node:buffer';
import { DomainError, PayloadTooLargeError, ValidationError } from './problems';

/** The `type` of the error the JSON parser's verify step throws for bytes that are not UTF-8. */
export const INVALID_UTF8 = 'hookline.body.invalid-utf8';

/**
 * express.json's verify option: JSON between systems is UTF-8 (RFC 8259 §8.1). Without
 * it, bytes that are not UTF-8 were decoded to U+FFFD and stored as if the caller had
 * sent that character.
 */
export function verifyUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw Object.assign(new Error('the body is not valid UTF-8'), { type: INVALID_UTF8 });
}

/**
 * The problem for an error a body parser passed on, or undefined when it is no body
 * problem (then it is a bug, answered as a 500). `limit` words the body limit for a 413;
 * `contentEncoding` is the request's Content-Encoding header.
 */
export function bodyParserProblem(err: unknown, limit: string, contentEncoding: string | undefined): DomainError | undefined {
  if (err instanceof DomainError) return err;
  const e = err as { type?: unknown; message?: unknown; status?: unknown } | undefined;
  const body = (message: string) => new ValidationError([{ field: 'body', message }]);
  switch (e?.type) {
    case 'entity.too.large':
      return new PayloadTooLargeError(limit);
    case 'entity.parse.failed':
      return body(`malformed JSON: ${String(e.message ?? '')}`.trim());
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return body(String(e.message));
    case INVALID_UTF8:
      return body('the body is not valid UTF-8');
  }
  // Any other 4xx of the parser's is the body's fault: cut short, shorter or longer than its
  // Content-Length, or not the compressed data its Content-Encoding says.
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
    return body(encoding === 'identity' ? 'the body could not be read in full' : `the body is not valid ${encoding} data`);
  }
  return undefined;
}

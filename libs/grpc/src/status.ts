// Problems (the HTTP edge's problem+json) as gRPC statuses: one table from HTTP status to
// gRPC code, and the details every error carries in grpc-status-details-bin, a
// google.rpc.Status with ErrorInfo (the problem type), BadRequest (one violation per
// field) and RetryInfo (where REST sends Retry-After).
import { Metadata, status as Code } from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { join } from 'node:path';
import { PROTO_ROOT } from '@hookline/contracts';
import type { ProblemBody } from '@hookline/http';

/** REST status -> gRPC code (a 409 from a Create* method is ALREADY_EXISTS, see grpcCodeFor). */
export const GRPC_CODE_BY_HTTP_STATUS: Readonly<Record<number, Code>> = {
  400: Code.INVALID_ARGUMENT,
  401: Code.UNAUTHENTICATED,
  403: Code.PERMISSION_DENIED,
  404: Code.NOT_FOUND,
  409: Code.FAILED_PRECONDITION,
  413: Code.RESOURCE_EXHAUSTED,
  415: Code.INVALID_ARGUMENT,
  429: Code.RESOURCE_EXHAUSTED,
  500: Code.INTERNAL,
  503: Code.UNAVAILABLE,
};

export function grpcCodeFor(httpStatus: number, method: string): Code {
  if (httpStatus === 409 && /^(Create|Install)/.test(method)) return Code.ALREADY_EXISTS;
  return GRPC_CODE_BY_HTTP_STATUS[httpStatus] ?? (httpStatus >= 500 ? Code.INTERNAL : Code.FAILED_PRECONDITION);
}

export const ERROR_DOMAIN = 'hookline.dev';

let rpcRoot: protobuf.Root | undefined;
function rpcTypes(): { status: protobuf.Type; badRequest: protobuf.Type; errorInfo: protobuf.Type; retryInfo: protobuf.Type } {
  rpcRoot ??= protobuf.loadSync([join(PROTO_ROOT, 'google/rpc/status.proto'), join(PROTO_ROOT, 'google/rpc/error_details.proto')]);
  return {
    status: rpcRoot.lookupType('google.rpc.Status'),
    badRequest: rpcRoot.lookupType('google.rpc.BadRequest'),
    errorInfo: rpcRoot.lookupType('google.rpc.ErrorInfo'),
    retryInfo: rpcRoot.lookupType('google.rpc.RetryInfo'),
  };
}

function any(type: protobuf.Type, value: Record<string, unknown>): { type_url: string; value: Uint8Array } {
  return { type_url: `type.googleapis.com/${type.fullName.replace(/^\./, '')}`, value: type.encode(type.fromObject(value)).finish() };
}

export interface GrpcError {
  code: Code;
  details: string;
  metadata: Metadata;
}

/** The gRPC error for a problem; `retryAfterSeconds` where REST would send Retry-After. */
export function grpcErrorFor(problem: ProblemBody, method: string, retryAfterSeconds?: number): GrpcError {
  const code = grpcCodeFor(problem.status, method);
  const t = rpcTypes();
  const reason = problem.type.split('/').pop() ?? 'error';
  const infoMetadata: Record<string, string> = { type: problem.type, status: String(problem.status) };
  if (problem.errorId) infoMetadata.errorId = problem.errorId;
  for (const [k, v] of Object.entries(problem)) {
    if (!['type', 'title', 'status', 'detail', 'errors', 'errorId'].includes(k) && typeof v === 'string') infoMetadata[k] = v;
  }
  const details = [any(t.errorInfo, { reason, domain: ERROR_DOMAIN, metadata: infoMetadata })];
  if (problem.errors && problem.errors.length > 0) {
    details.push(any(t.badRequest, { fieldViolations: problem.errors.map((e) => ({ field: e.field, description: e.message })) }));
  }
  if (retryAfterSeconds !== undefined) details.push(any(t.retryInfo, { retryDelay: { seconds: retryAfterSeconds, nanos: 0 } }));
  const message = problem.detail ?? problem.title;
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(t.status.encode(t.status.fromObject({ code, message, details })).finish()));
  return { code, details: message, metadata };
}

/** Decodes grpc-status-details-bin (for clients and tests): the status and its details by type name. */
export function decodeStatusDetails(bin: Buffer): { code: number; message: string; details: Record<string, Record<string, unknown>> } {
  const t = rpcTypes();
  const s = t.status.toObject(t.status.decode(bin), { defaults: true }) as { code: number; message: string; details: { type_url: string; value: Uint8Array }[] };
  const details: Record<string, Record<string, unknown>> = {};
  for (const d of s.details) {
    const name = d.type_url.split('/').pop() as string;
    const type = rpcRoot?.lookupType(name);
    if (type) details[name] = type.toObject(type.decode(d.value), { defaults: true, longs: Number }) as Record<string, unknown>;
  }
  return { code: s.code, message: s.message, details };
}

// Request/reply over core NATS: the one typed map from a subject to its request and
// result types, and the reply envelope every responder uses.
import type {
  CreateCredentialRequest,
  CredentialDescription,
  CredentialIssued,
  CredentialRevoked,
  CredentialRotated,
  DescribeCredentialRequest,
  RevokeCredentialRequest,
  RotateCredentialRequest,
  SignBatchRequest,
  SignBatchResult,
  SignRequest,
  SignResult,
  VerifyRequest,
  VerifyResult,
} from './signer';

export const RPC_ERROR_CODES = ['invalid-request', 'not-found', 'conflict', 'scheme-mismatch', 'token-endpoint', 'unavailable', 'internal'] as const;
export type RpcErrorCode = (typeof RPC_ERROR_CODES)[number];

export interface RpcError {
  code: RpcErrorCode;
  message: string;
  /** An attempt error class (see @hookline/delivery), when a transport failed. */
  errorClass?: string;
}

/** Every reply is an envelope, so a refusal travels as data rather than as a NATS error. */
export type RpcReply<T> = { ok: true; result: T } | { ok: false; error: RpcError };

export interface RpcMap {
  'hookline.signer.sign': { request: SignRequest; result: SignResult };
  'hookline.signer.sign-batch': { request: SignBatchRequest; result: SignBatchResult };
  'hookline.signer.credentials.create': { request: CreateCredentialRequest; result: CredentialIssued };
  'hookline.signer.credentials.rotate': { request: RotateCredentialRequest; result: CredentialRotated };
  'hookline.signer.credentials.revoke': { request: RevokeCredentialRequest; result: CredentialRevoked };
  'hookline.signer.credentials.describe': { request: DescribeCredentialRequest; result: CredentialDescription };
  'hookline.signer.verify': { request: VerifyRequest; result: VerifyResult };
}

export type RpcSubject = keyof RpcMap;
export type RpcRequestOf<S extends RpcSubject> = RpcMap[S]['request'];
export type RpcResultOf<S extends RpcSubject> = RpcMap[S]['result'];

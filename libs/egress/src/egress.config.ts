// The egress settings a service spreads into its config spec.
import { field, type FieldSpec } from '@hookline/config';
import { parseCidrList } from './address-policy';

export const egressConfig = {
  egressAllowlist: {
    env: 'HOOKLINE_EGRESS_ALLOWLIST',
    default: [],
    doc: 'CIDR ranges outbound requests may reach although private or loopback (e.g. 127.0.0.0/8,::1/128 for local development); empty in production',
    parse: (raw: string) => parseCidrList(raw).map((c) => c.text),
  } satisfies FieldSpec<string[]> & { env: string },
  egressConnectTimeoutMs: field.duration('HOOKLINE_EGRESS_CONNECT_TIMEOUT', { default: 5000, doc: 'outbound connect timeout' }),
  egressDeadlineMs: field.duration('HOOKLINE_EGRESS_DEADLINE', { default: 15_000, doc: 'outbound request deadline, connect to last byte' }),
  egressMaxResponseBytes: field.int('HOOKLINE_EGRESS_MAX_RESPONSE_BYTES', { default: 65_536, min: 0, max: 16 * 1024 * 1024, doc: 'response body bytes kept per attempt' }),
  egressConnectionsPerOrigin: field.int('HOOKLINE_EGRESS_CONNECTIONS_PER_ORIGIN', { default: 64, min: 1, max: 4096, doc: 'keep-alive connections per receiver origin' }),
};

export type EgressConfig = {
  egressAllowlist: string[];
  egressConnectTimeoutMs: number;
  egressDeadlineMs: number;
  egressMaxResponseBytes: number;
  egressConnectionsPerOrigin: number;
};

export function egressOptionsFrom(config: EgressConfig) {
  return {
    allowlist: config.egressAllowlist,
    connectTimeoutMs: config.egressConnectTimeoutMs,
    deadlineMs: config.egressDeadlineMs,
    maxResponseBytes: config.egressMaxResponseBytes,
    connectionsPerOrigin: config.egressConnectionsPerOrigin,
  };
}

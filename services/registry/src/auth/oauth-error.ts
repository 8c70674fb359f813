import { DomainError } from '@hookline/http';

/**
 * An OAuth 2.0 token endpoint error (RFC 6749 §5.2, RFC 8693 §2.2.2): a problem+json
 * body that also carries the standard `error` and `error_description` members.
 */
export class OAuthError extends DomainError {
  constructor(error: 'invalid_request' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_target', description: string, status = 400) {
    super(status, `oauth-${error.replace(/_/g, '-')}`, 'OAuth error', description, { error, error_description: description });
  }
}

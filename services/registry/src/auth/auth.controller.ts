import { Body, Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Authenticated, CurrentPrincipal, Public, type Principal } from '@hookline/http';
import { AuthService } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { GRANT_TYPE_TOKEN_EXCHANGE, parseTokenExchange } from './token-exchange';

function requestBaseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** API token + TOTP code -> access token and the base URL to use. 401 whatever was wrong; 429 when throttled. */
  @Public()
  @Post('v1/auth/login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  login(@Body() dto: LoginDto, @Req() req: Request) {
    return this.auth.login({ ...dto, clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown', requestBaseUrl: requestBaseUrl(req) });
  }

  /** Who the presented token belongs to and what it may do. */
  @Get('v1/auth/me')
  @Authenticated()
  me(@CurrentPrincipal() p: Principal) {
    return this.auth.whoAmI(p);
  }

  /**
   * OAuth 2.0 token exchange (RFC 8693) for impersonation, form-encoded or JSON:
   * grant_type=urn:ietf:params:oauth:grant-type:token-exchange, subject_token=<the
   * account's access token>, subject_token_type=urn:ietf:params:oauth:token-type:access_token,
   * requested_subject=<user id>. The subject_token is the credential.
   */
  @Public()
  @Post('oauth/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@Body() body: Record<string, unknown>) {
    return this.auth.exchange(parseTokenExchange(body));
  }

  /** The public keys that verify access tokens (RFC 7517). */
  @Public()
  @Get('.well-known/jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks() {
    return this.auth.jwks();
  }

  /** Authorization server metadata (RFC 8414), so OAuth clients can find the token endpoint and keys. */
  @Public()
  @Get('.well-known/oauth-authorization-server')
  metadata(@Req() req: Request) {
    const base = requestBaseUrl(req);
    return {
      issuer: 'hookline',
      token_endpoint: `${base}/oauth/token`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      grant_types_supported: [GRANT_TYPE_TOKEN_EXCHANGE],
      token_endpoint_auth_methods_supported: ['none'],
    };
  }
}

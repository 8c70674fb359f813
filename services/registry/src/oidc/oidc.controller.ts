import { Body, Controller, Get, Header, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { Authenticated, CurrentPrincipal, NotFoundError, Public, Requires, ServiceUnavailableError, type Principal } from '@hookline/http';
import { CONFIG } from '@hookline/config';
import { Inject } from '@nestjs/common';
import type { RegistryConfig } from '../config';
import { InstallationsRepository } from '../installations/installations.repository';
import { IntrospectionService } from './introspection.service';
import { OidcProviderService } from './oidc-provider.service';
import { SignInsService } from './sign-ins.service';

export class SignInDto {
  @IsString()
  @MaxLength(100)
  interaction: string;

  @IsOptional()
  @IsString()
  @MaxLength(63)
  tenant?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  user?: string;
}

export class IntrospectDto {
  @IsOptional()
  @IsString()
  @MaxLength(16_384)
  token?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  token_type_hint?: string;
}

/** The parts of the provider that are ours: the hand-over to the host's sign-in page, vouching, and introspection. */
@Controller()
export class OidcController {
  constructor(
    private readonly provider: OidcProviderService,
    private readonly signIns: SignInsService,
    private readonly introspection: IntrospectionService,
    private readonly installations: InstallationsRepository,
    @Inject(CONFIG) private readonly config: RegistryConfig,
  ) {}

  /**
   * Where the provider sends a person who must sign in: on to the host application's
   * sign-in page with the interaction id, the tenant and the app. Needs the provider's
   * interaction cookie (the browser that started the authorization).
   */
  @Public()
  @Get('oidc/interaction/:uid')
  @Header('Cache-Control', 'no-store')
  async interaction(@Req() req: Request, @Res() res: Response, @Param('uid') uid: string): Promise<void> {
    const provider = await this.provider.current();
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (err) {
      // No such interaction, or not this browser's (its cookie is missing): the provider's own 4xx.
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== undefined && status < 500) throw new NotFoundError(`interaction ${uid} (or this browser's cookie for it)`);
      throw err;
    }
    // The provider finds the interaction by the browser's cookie, not by the path: the page
    // must not send the host one interaction id with another interaction's tenant and app.
    if (details.uid !== uid) throw new NotFoundError(`interaction ${uid} (or this browser's cookie for it)`);
    const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : '';
    const inst = await this.installations.findByClientId(clientId);
    if (!this.config.oidcSignInUrl) throw new ServiceUnavailableError('no host sign-in page is configured (HOOKLINE_OIDC_SIGNIN_URL)', 60);
    const to = new URL(this.config.oidcSignInUrl);
    to.searchParams.set('interaction', uid);
    if (inst) {
      to.searchParams.set('tenant', inst.tenantId);
      to.searchParams.set('installation', inst.id);
      to.searchParams.set('app', inst.templateName);
    }
    res.redirect(303, to.toString());
  }

  /** The host application vouches for its signed-in user (see sign-ins.service.ts). */
  @Post('v1/sign-ins')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Authenticated()
  vouch(@CurrentPrincipal() p: Principal, @Body() dto: SignInDto) {
    return this.signIns.vouch(p, dto);
  }

  /** RFC 7662, form-encoded `token`; the host application's API calls it with its operator token or an account's access token. */
  @Post('oidc/token/introspection')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Requires('installations:read')
  introspect(@CurrentPrincipal() p: Principal, @Body() dto: IntrospectDto) {
    return this.introspection.introspect(p, dto.token);
  }
}

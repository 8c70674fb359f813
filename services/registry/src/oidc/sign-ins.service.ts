// How the host application vouches for its user at authorize_url. The provider sends the
// person's browser to the host's sign-in page (HOOKLINE_OIDC_SIGNIN_URL) with the
// interaction id; the host, which knows who is signed in, tells Hookline server to server
// who it is — POST /v1/sign-ins with its operator token, an API account's access token
// with users:impersonate (naming the user), or a token it got from the token exchange for
// that user (RFC 8693, sub = the user) — and sends the browser on to the returned
// redirectTo. Nothing that vouches passes through the browser; the interaction id alone
// proves nothing, and resuming it needs the provider's cookie in the same browser.
import { Injectable } from '@nestjs/common';
import { principalHolds, type Principal } from '@hookline/auth';
import { ENTITY_ID_RE, TENANT_ID_RE } from '@hookline/contracts';
import { ForbiddenError, NotFoundError, ValidationError } from '@hookline/http';
import { departmentsForUser } from '../installations/installation-rules';
import { InstallationsRepository } from '../installations/installations.repository';
import { UnitsRepository } from '../units/units.repository';
import { userUnits, UsersRepository } from '../users/users.repository';
import { OidcProviderService } from './oidc-provider.service';

export interface SignInInput {
  interaction: string;
  tenant?: string;
  user?: string;
}

export interface SignInResult {
  /** Send the person's browser here (the provider resumes the authorization). */
  redirectTo: string;
  tenant: string;
  user: string;
  installation: string;
  /** The units the person's tokens will carry. */
  departments: string[];
}

const INTERACTION_RE = /^[A-Za-z0-9_-]{10,100}$/;

@Injectable()
export class SignInsService {
  constructor(
    private readonly provider: OidcProviderService,
    private readonly installations: InstallationsRepository,
    private readonly users: UsersRepository,
    private readonly units: UnitsRepository,
  ) {}

  async vouch(p: Principal, input: SignInInput): Promise<SignInResult> {
    const { tenantId, userId } = this.who(p, input);
    if (!INTERACTION_RE.test(input.interaction)) throw new ValidationError([{ field: 'interaction', message: 'is not an interaction id' }]);
    const provider = await this.provider.current();
    const interaction = await provider.Interaction.find(input.interaction);
    const clientId = typeof interaction?.params.client_id === 'string' ? interaction.params.client_id : undefined;
    const inst = clientId ? await this.installations.findByClientId(clientId) : null;
    // Another tenant's authorization is as unknown as a made-up one.
    if (!interaction || !inst || inst.tenantId !== tenantId || inst.status !== 'active') throw new NotFoundError(`interaction ${input.interaction}`);
    const user = await this.users.find(tenantId, userId);
    if (!user) throw new ValidationError([{ field: 'user', message: `no user ${userId} in tenant ${tenantId}` }]);
    const paths = await this.units.paths(tenantId, inst.departments);
    const departments = departmentsForUser(inst.departments, userUnits(user), (u) => paths.get(u));
    if (departments.length === 0) throw new ForbiddenError(`user ${userId} may see none of the departments where ${inst.templateName} is enabled`);
    // The tenant consented when it installed the app, so vouching settles consent too. Without
    // it a request with prompt=consent (which oidc-provider requires before it grants
    // offline_access, i.e. a refresh token) would be sent back to the host's sign-in page
    // after every vouch, for ever.
    interaction.result = { login: { accountId: userId }, consent: {} };
    await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
    return { redirectTo: interaction.returnTo, tenant: tenantId, user: userId, installation: inst.id, departments };
  }

  private who(p: Principal, input: SignInInput): { tenantId: string; userId: string } {
    if (p.kind === 'user') {
      // A token from the token exchange speaks for its own user only.
      if (input.user !== undefined && input.user !== p.userId) throw new ForbiddenError('a token acting as a user vouches for that user only');
      if (input.tenant !== undefined && input.tenant !== p.tenantId) throw new NotFoundError(`tenant ${input.tenant}`);
      return { tenantId: p.tenantId, userId: p.userId };
    }
    const { user, tenant } = input;
    const problems = [];
    if (!user || !ENTITY_ID_RE.test(user)) problems.push({ field: 'user', message: 'user (a user id of the tenant) is required' });
    if (p.kind === 'operator' && (!tenant || !TENANT_ID_RE.test(tenant))) problems.push({ field: 'tenant', message: 'tenant is required with the operator token' });
    if (problems.length > 0 || !user) throw new ValidationError(problems);
    if (p.kind === 'operator') {
      if (!tenant) throw new ValidationError(problems);
      return { tenantId: tenant, userId: user };
    }
    if (tenant !== undefined && tenant !== p.tenantId) throw new NotFoundError(`tenant ${tenant}`);
    if (!principalHolds(p, 'users:impersonate')) throw new ForbiddenError('vouching for a user needs users:impersonate');
    return { tenantId: p.tenantId, userId: user };
  }
}

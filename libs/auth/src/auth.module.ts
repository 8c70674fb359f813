import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessTokenVerifier } from './access-token';
import type { Principal } from './principal';
import { DatabasePublicKeySource } from './signing-keys';

/** Injection token for the AccessTokenVerifier the HTTP guard uses. */
export const ACCESS_TOKEN_VERIFIER = Symbol('HOOKLINE_ACCESS_TOKEN_VERIFIER');

/**
 * Injection token for an optional hook that re-checks a verified token's principal
 * against current state (the registry uses it so that disabling an account or
 * changing its grants takes effect at once). Returning undefined rejects the token.
 */
export const PRINCIPAL_REFRESHER = Symbol('HOOKLINE_PRINCIPAL_REFRESHER');

export interface PrincipalRefresher {
  refresh(principal: Principal): Promise<Principal | undefined>;
}

/**
 * Lets a service accept access tokens besides the operator token: import
 * AuthModule.forRoot() next to PersistenceModule and HttpModule. Keys come from the
 * auth_signing_keys table (public half only).
 */
@Global()
@Module({})
export class AuthModule {
  static forRoot(): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        {
          provide: ACCESS_TOKEN_VERIFIER,
          useFactory: (ds: DataSource) => new AccessTokenVerifier(new DatabasePublicKeySource(ds)),
          inject: [DataSource],
        },
      ],
      exports: [ACCESS_TOKEN_VERIFIER],
    };
  }
}

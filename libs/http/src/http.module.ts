import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { HealthController } from './health.controller';
import { AuthGuard, OPERATOR_TOKEN } from './auth';

@Module({})
export class HttpModule {
  /**
   * Health endpoints and the authentication guard on every route. The guard takes the
   * operator token, and access tokens too when the service imports AuthModule.forRoot()
   * from @hookline/auth. The guard is also exported (global), so another edge of the
   * same service (the registry's gRPC API) admits callers with the very same checks.
   */
  static forRoot(opts: { operatorToken: string }): DynamicModule {
    return {
      module: HttpModule,
      global: true,
      controllers: [HealthController],
      // The guard is also a provider of its own, so a handler outside Nest's router (the
      // registry's event ingest) authenticates exactly as the routes do.
      providers: [{ provide: OPERATOR_TOKEN, useValue: opts.operatorToken }, AuthGuard, { provide: APP_GUARD, useExisting: AuthGuard }],
      exports: [AuthGuard],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { HealthController } from './health.controller';
import { AuthGuard, OPERATOR_TOKEN } from './auth';

@Module({})
export class HttpModule {
  /**
   * Health endpoints and the authentication guard on every route. The guard takes the
   * operator token, and access tokens too when the service imports AuthModule.forRoot()
   * from @hookline/auth.
   */
  static forRoot(opts: { operatorToken: string }): DynamicModule {
    return {
      module: HttpModule,
      controllers: [HealthController],
      providers: [{ provide: OPERATOR_TOKEN, useValue: opts.operatorToken }, { provide: APP_GUARD, useClass: AuthGuard }],
    };
  }
}

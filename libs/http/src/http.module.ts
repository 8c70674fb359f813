import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { HealthController } from './health.controller';
import { OperatorAuthGuard } from './auth';

@Module({})
export class HttpModule {
  static forRoot(opts: { operatorToken: string }): DynamicModule {
    return {
      module: HttpModule,
      controllers: [HealthController],
      providers: [{ provide: APP_GUARD, useFactory: (r: Reflector) => new OperatorAuthGuard(r, opts.operatorToken), inject: [Reflector] }],
    };
  }
}

import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { InstallationsModule } from '../installations/installations.module';
import { UnitsModule } from '../units/units.module';
import { UsersModule } from '../users/users.module';
import { IntrospectionService } from './introspection.service';
import { OidcController } from './oidc.controller';
import { OidcMiddleware } from './oidc.middleware';
import { OidcKeysRepository } from './oidc-keys.repository';
import { OidcProviderService } from './oidc-provider.service';
import { OidcStoreModule } from './oidc-store.module';
import { SignInsService } from './sign-ins.service';

/** The OAuth 2.0 / OpenID Connect provider of app installations, at /oidc. */
@Module({
  imports: [OidcStoreModule, InstallationsModule, UsersModule, UnitsModule],
  controllers: [OidcController],
  providers: [OidcKeysRepository, OidcProviderService, SignInsService, IntrospectionService, OidcMiddleware],
})
export class OidcModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(OidcMiddleware).forRoutes({ path: 'oidc/{*path}', method: RequestMethod.ALL });
  }
}

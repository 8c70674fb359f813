import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PRINCIPAL_REFRESHER } from '@hookline/auth';
import { AccountsModule } from '../accounts/accounts.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UnitsModule } from '../units/units.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottleRow } from './entities/login-throttle.entity';
import { SigningKey } from './entities/signing-key.entity';
import { LoginThrottleRepository } from './login-throttle.repository';
import { RegistryPrincipalRefresher } from './principal-refresher';
import { SigningKeysRepository } from './signing-keys.repository';
import { TokenIssuer } from './token-issuer';

/**
 * Login, token exchange and the published keys. Global because it provides the
 * principal refresher the HTTP guard uses on every registry route.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([SigningKey, LoginThrottleRow]), AccountsModule, UsersModule, UnitsModule, TenantsModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    TokenIssuer,
    SigningKeysRepository,
    LoginThrottleRepository,
    RegistryPrincipalRefresher,
    { provide: PRINCIPAL_REFRESHER, useExisting: RegistryPrincipalRefresher },
  ],
  exports: [PRINCIPAL_REFRESHER],
})
export class RegistryAuthModule {}

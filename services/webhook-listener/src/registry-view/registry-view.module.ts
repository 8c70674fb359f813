import { Global, Module } from '@nestjs/common';
import { PRINCIPAL_REFRESHER } from '@hookline/auth';
import { ListenersViewProvider } from './listeners-view.provider';
import { ViewPrincipalRefresher } from './view-principal-refresher';

@Global()
@Module({
  providers: [ListenersViewProvider, { provide: PRINCIPAL_REFRESHER, useClass: ViewPrincipalRefresher }],
  exports: [ListenersViewProvider, PRINCIPAL_REFRESHER],
})
export class RegistryViewModule {}

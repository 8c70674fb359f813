import { Module } from '@nestjs/common';
import { OidcStore } from './oidc-store';
import { OidcStoreRepository } from './oidc-store.repository';

/** The provider's storage on its own, so installations can write clients without the provider itself. */
@Module({ providers: [OidcStoreRepository, OidcStore], exports: [OidcStore] })
export class OidcStoreModule {}

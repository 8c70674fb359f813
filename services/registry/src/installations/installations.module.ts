import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NatsRpc } from '@hookline/messaging';
import { OidcStoreModule } from '../oidc/oidc-store.module';
import { TenantsModule } from '../tenants/tenants.module';
import { Installation } from './entities/installation.entity';
import { Template } from './entities/template.entity';
import { InstallationsController } from './installations.controller';
import { InstallationsRepository } from './installations.repository';
import { InstallationsService } from './installations.service';
import { SignerCredentials } from './signer-credentials';
import { TemplatesController } from './templates.controller';
import { TemplatesRepository } from './templates.repository';
import { TemplatesService } from './templates.service';

/** App installations: the template catalogue (/v1/templates) and installations (/v1/installations). */
@Module({
  imports: [TypeOrmModule.forFeature([Template, Installation]), TenantsModule, OidcStoreModule],
  controllers: [TemplatesController, InstallationsController],
  providers: [NatsRpc, SignerCredentials, TemplatesRepository, TemplatesService, InstallationsRepository, InstallationsService],
  exports: [InstallationsRepository],
})
export class InstallationsModule {}

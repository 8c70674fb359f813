import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PRINCIPAL_REFRESHER } from '@hookline/auth';
import { ChangesConsumer } from './changes.consumer';
import { ChangesController } from './changes.controller';
import { ChangesRepository } from './changes.repository';
import { ChangesService } from './changes.service';
import { AuditPrincipalRefresher } from './principal-refresher';
import { ProjectedUnit } from './entities/projected-unit.entity';
import { StoredChange } from './entities/stored-change.entity';

/**
 * The registry change history: consumer into audit_changes, and GET /v1/audit/changes.
 * Global because it also provides the principal refresher the HTTP guard uses.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([StoredChange, ProjectedUnit])],
  controllers: [ChangesController],
  providers: [ChangesRepository, ChangesService, ChangesConsumer, AuditPrincipalRefresher, { provide: PRINCIPAL_REFRESHER, useExisting: AuditPrincipalRefresher }],
  exports: [PRINCIPAL_REFRESHER],
})
export class ChangesModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChangesConsumer } from './changes.consumer';
import { ChangesController } from './changes.controller';
import { ChangesRepository } from './changes.repository';
import { ChangesService } from './changes.service';
import { ProjectedUnit } from './entities/projected-unit.entity';
import { StoredChange } from './entities/stored-change.entity';

/** The registry change history: consumer into audit_changes, and GET /v1/audit/changes. */
@Module({
  imports: [TypeOrmModule.forFeature([StoredChange, ProjectedUnit])],
  controllers: [ChangesController],
  providers: [ChangesRepository, ChangesService, ChangesConsumer],
})
export class ChangesModule {}

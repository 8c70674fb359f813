import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TenantsModule } from '../tenants/tenants.module';
import { Unit } from './entities/unit.entity';
import { UnitsController } from './units.controller';
import { UnitsRepository } from './units.repository';
import { UnitsService } from './units.service';

/** The unit tree of each tenant (/v1/units). */
@Module({
  imports: [TypeOrmModule.forFeature([Unit]), TenantsModule],
  controllers: [UnitsController],
  providers: [UnitsRepository, UnitsService],
  exports: [UnitsRepository],
})
export class UnitsModule {}

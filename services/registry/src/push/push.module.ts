import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NatsRpc } from '@hookline/messaging';
import { TenantsModule } from '../tenants/tenants.module';
import { UnitsModule } from '../units/units.module';
import { PushFlag } from './entities/push-flag.entity';
import { PushSettings } from './entities/push-settings.entity';
import { PushType } from './entities/push-type.entity';
import { PushController } from './push.controller';
import { PushRepository } from './push.repository';
import { PushSettingsService } from './push-settings.service';
import { PushTypesService } from './push-types.service';

/** Push notifications (/v1/push): system parameters (the JWT kept by the signer), type catalogue, enable flags. */
@Module({
  imports: [TypeOrmModule.forFeature([PushSettings, PushType, PushFlag]), TenantsModule, UnitsModule],
  controllers: [PushController],
  providers: [NatsRpc, PushRepository, PushSettingsService, PushTypesService],
})
export class PushModule {}

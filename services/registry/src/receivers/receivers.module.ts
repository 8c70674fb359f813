import { ReceiverSecretsPurger } from './receiver-secrets.purger';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NatsRpc } from '@hookline/messaging';
import { AccountsModule } from '../accounts/accounts.module';
import { TenantsModule } from '../tenants/tenants.module';
import { TopicsModule } from '../topics/topics.module';
import { UnitsModule } from '../units/units.module';
import { Receiver } from './entities/receiver.entity';
import { ReceiversController } from './receivers.controller';
import { ReceiversRepository } from './receivers.repository';
import { ReceiversService } from './receivers.service';

/** Webhook receivers (/v1/receivers); their secrets are created, rotated and revoked in the signer. */
@Module({
  imports: [TypeOrmModule.forFeature([Receiver]), TenantsModule, TopicsModule, AccountsModule, UnitsModule],
  controllers: [ReceiversController],
  providers: [NatsRpc, ReceiversRepository, ReceiversService, ReceiverSecretsPurger],
})
export class ReceiversModule {}

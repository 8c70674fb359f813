import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NatsRpc } from '@hookline/messaging';
import { TenantsModule } from '../tenants/tenants.module';
import { TopicsModule } from '../topics/topics.module';
import { Listener } from './entities/listener.entity';
import { ListenerService } from './entities/listener-service.entity';
import { ListenerServicesController } from './listener-services.controller';
import { ListenerServicesService } from './listener-services.service';
import { ListenersController } from './listeners.controller';
import { ListenersRepository, ListenerTablesRepository } from './listeners.repository';
import { ListenersService } from './listeners.service';

/** Inbound webhook listeners (/v1/listener-services, /v1/listeners); signature secrets live in the signer. */
@Module({
  imports: [TypeOrmModule.forFeature([ListenerService, Listener]), TenantsModule, TopicsModule],
  controllers: [ListenerServicesController, ListenersController],
  providers: [NatsRpc, ListenersRepository, ListenerTablesRepository, ListenerServicesService, ListenersService],
})
export class ListenersModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialsRepository } from './credentials.repository';
import { CredentialsService } from './credentials.service';
import { DeliveryCredential } from './entities/delivery-credential.entity';

/** Delivery credentials: sealed storage, versions and rotation. */
@Module({
  imports: [TypeOrmModule.forFeature([DeliveryCredential])],
  providers: [CredentialsRepository, CredentialsService],
  exports: [CredentialsService],
})
export class CredentialsModule {}

import { Module } from '@nestjs/common';
import { NatsRpc } from '@hookline/messaging';
import { CredentialsModule } from '../credentials/credentials.module';
import { SigningResponder } from './signing.responder';
import { SigningService } from './signing.service';

/** Signing over NATS request/reply: hookline.signer.sign and the credential lifecycle subjects. */
@Module({
  imports: [CredentialsModule],
  providers: [NatsRpc, SigningService, SigningResponder],
  exports: [SigningService],
})
export class SigningModule {}

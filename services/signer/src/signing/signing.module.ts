import { Module } from '@nestjs/common';
import { NatsRpc } from '@hookline/messaging';
import { CredentialsModule } from '../credentials/credentials.module';
import { SigningResponder } from './signing.responder';
import { SigningService } from './signing.service';
import { VerificationService } from '../verification/verification.service';

/** Signing over NATS request/reply: hookline.signer.sign, hookline.signer.verify and the credential lifecycle subjects. */
@Module({
  imports: [CredentialsModule],
  providers: [NatsRpc, SigningService, VerificationService, SigningResponder],
  exports: [SigningService],
})
export class SigningModule {}

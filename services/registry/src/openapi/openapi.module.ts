import { Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller';

/** /openapi.json and /api-reference: the API's description, for client generators and people. */
@Module({ controllers: [OpenApiController] })
export class OpenApiModule {}

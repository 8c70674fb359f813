import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** Serves the built admin console (services/console) under /console/. */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}

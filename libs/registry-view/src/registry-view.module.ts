import { Global, Module } from '@nestjs/common';
import { RegistryViewProvider } from './registry-view.provider';

/** The registry as an in-memory view, current with the registry stream (dispatcher, retry-scheduler). */
@Global()
@Module({ providers: [RegistryViewProvider], exports: [RegistryViewProvider] })
export class RegistryViewModule {}

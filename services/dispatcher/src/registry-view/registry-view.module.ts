import { Global, Module } from '@nestjs/common';
import { RegistryViewProvider } from './registry-view.provider';

@Global()
@Module({ providers: [RegistryViewProvider], exports: [RegistryViewProvider] })
export class RegistryViewModule {}

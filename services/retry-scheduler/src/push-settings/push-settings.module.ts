import { Global, Module } from '@nestjs/common';
import { PushSettingsProvider } from './push-settings.provider';

/** Each tenant's current notification_days_before, from the registry's change events. */
@Global()
@Module({ providers: [PushSettingsProvider], exports: [PushSettingsProvider] })
export class PushSettingsModule {}

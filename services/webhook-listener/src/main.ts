import 'reflect-metadata';
import { loadServiceConfig, runHttpService } from '@hookline/http';
import { AppModule } from './app.module';
import { webhookListenerConfigSpec } from './config';

const config = loadServiceConfig('webhook-listener', webhookListenerConfigSpec);
void runHttpService(AppModule.forRoot(config), { ...config, service: 'webhook-listener' });

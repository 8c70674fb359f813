import './tracing'; // first: traces (when configured) must start before the modules they instrument load
import 'reflect-metadata';
import { loadServiceConfig } from '@hookline/http';
import { AppModule } from './app.module';
import { runListenerService } from './bootstrap';
import { webhookListenerConfigSpec } from './config';

const config = loadServiceConfig('webhook-listener', webhookListenerConfigSpec);
void runListenerService(AppModule.forRoot(config), { ...config, service: 'webhook-listener' });

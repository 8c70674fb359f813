import 'reflect-metadata';
import { loadServiceConfig, runHttpService } from '@hookline/http';
import { AppModule } from './app.module';
import { retrySchedulerConfigSpec } from './config';

const config = loadServiceConfig('retry-scheduler', retrySchedulerConfigSpec);
void runHttpService(AppModule.forRoot(config), { ...config, service: 'retry-scheduler' });

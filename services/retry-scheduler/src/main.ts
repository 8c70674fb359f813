import './tracing'; // first: traces (when configured) must start before the modules they instrument load
import 'reflect-metadata';
import { loadServiceConfig, runHttpService } from '@hookline/http';
import { AppModule } from './app.module';
import { retrySchedulerConfigSpec } from './config';

const config = loadServiceConfig('retry-scheduler', retrySchedulerConfigSpec);
void runHttpService(AppModule.forRoot(config), { ...config, service: 'retry-scheduler' });

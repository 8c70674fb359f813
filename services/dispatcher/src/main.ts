import './tracing'; // first: traces (when configured) must start before the modules they instrument load
import 'reflect-metadata';
import { loadServiceConfig, runHttpService } from '@hookline/http';
import { AppModule } from './app.module';
import { dispatcherConfigSpec } from './config';

const config = loadServiceConfig('dispatcher', dispatcherConfigSpec);
void runHttpService(AppModule.forRoot(config), { ...config, service: 'dispatcher' });

import './tracing'; // first: traces (when configured) must start before the modules they instrument load
import 'reflect-metadata';
import { loadServiceConfig, runHttpService } from '@hookline/http';
import { AppModule } from './app.module';
import { signerConfigSpec } from './config';

const config = loadServiceConfig('signer', signerConfigSpec);
void runHttpService(AppModule.forRoot(config), { ...config, service: 'signer' });

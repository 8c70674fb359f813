import './tracing'; // first: traces (when configured) must start before the modules they instrument load
import 'reflect-metadata';
import { loadServiceConfig, runHttpService } from '@hookline/http';
import { AppModule } from './app.module';
import { registryConfigSpec } from './config';
import { eventsFirstRoute, eventsIngest } from './events/events.ingest';

const config = loadServiceConfig('registry', registryConfigSpec);
void runHttpService(AppModule.forRoot(config), { ...config, service: 'registry', firstRoutes: (app) => [eventsFirstRoute(app)], beforeRoutes: (app) => [eventsIngest(app)] });

// Build time only (npm run openapi): writes this service's part of the OpenAPI document.
import { writeServicePart } from '@hookline/api-docs';
import { AppModule } from './app.module';
import { registryConfigSpec } from './config';

writeServicePart('registry', registryConfigSpec, (config) => AppModule.forRoot(config));

// main.ts imports this first: OpenTelemetry traces, when configured, start before http,
// express, pg and undici are loaded, so their instrumentations see every use of them.
import { readConfig, tracingConfig, VERSION } from '@hookline/config';
import { deferUnusedModules, startTracing } from '@hookline/observability';

deferUnusedModules(); // before TypeORM and class-validator load: see libs/observability/src/deferred-modules.ts
startTracing({ service: 'dispatcher', version: VERSION }, () => readConfig(tracingConfig));

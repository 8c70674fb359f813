// main.ts imports this first: OpenTelemetry traces, when configured, start before http,
// express, pg and undici are loaded, so their instrumentations see every use of them.
import { readConfig, tracingConfig, VERSION } from '@hookline/config';
import { startTracing } from '@hookline/observability';

startTracing({ service: 'registry', version: VERSION }, () => readConfig(tracingConfig));

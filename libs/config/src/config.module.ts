import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigSpec, loadConfig } from './config';

/** Injection token for the service's frozen, validated configuration object. */
export const CONFIG = Symbol('HOOKLINE_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  /** Makes the already-validated config injectable as CONFIG. */
  static forValue<T>(config: Readonly<T>): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: CONFIG, useValue: config }], exports: [CONFIG] };
  }
}

/** Reads and validates the environment: the one place in the codebase that touches process.env. */
export function readConfig<T>(spec: ConfigSpec<T>): Readonly<T> {
  // eslint-disable-next-line no-restricted-properties -- the one place the environment is read
  return loadConfig(spec, process.env);
}

// The web component's bundle, loaded once per process when the registry starts: the one
// the build wrote beside the compiled library, or built in memory from the library's
// source (esbuild) when running from TypeScript, so the module served always matches this version.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { loadIntegrationButtons, type BuiltBundle } from '@hookline/integration-buttons';
import { LOGGER, Logger } from '@hookline/observability';

@Injectable()
export class IntegrationButtonsBundle implements OnApplicationBootstrap {
  private built?: Promise<BuiltBundle>;

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  onApplicationBootstrap(): void {
    void this.get().catch(() => undefined);
  }

  get(): Promise<BuiltBundle> {
    if (!this.built) {
      const started = performance.now();
      this.built = loadIntegrationButtons().then(
        (b) => {
          this.logger.info({ bytes: b.code.length, ms: Math.round(performance.now() - started) }, 'built the <hookline-integrations> bundle');
          return b;
        },
        (err: unknown) => {
          this.built = undefined;
          this.logger.error({ err }, 'could not build the <hookline-integrations> bundle');
          throw err;
        },
      );
    }
    return this.built;
  }
}

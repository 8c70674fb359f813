// The web component's bundle, built once per process from the library's source (esbuild,
// in memory) when the registry starts, so the module served always matches this version.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { buildIntegrationButtons, type BuiltBundle } from '@hookline/integration-buttons';
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
      this.built = buildIntegrationButtons().then(
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

// The registry's second edge: the admin API over gRPC on HOOKLINE_GRPC_PORT (off when
// unset), started once the application is up and stopped before it shuts down.
import { BeforeApplicationShutdown, Inject, Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CONFIG } from '@hookline/config';
import { AdminGrpcServer } from '@hookline/grpc';
import { AuthGuard } from '@hookline/http';
import { LOGGER, Logger, ReadinessRegistry } from '@hookline/observability';
import type { RegistryConfig } from '../config';
import { ADMIN_RPC } from './admin-rpc';

@Injectable()
export class RegistryGrpcServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private server?: AdminGrpcServer;
  /** The bound port, once started (HOOKLINE_GRPC_PORT=0 picks one). */
  port?: number;

  constructor(
    @Inject(CONFIG) private readonly config: RegistryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly moduleRef: ModuleRef,
    private readonly guard: AuthGuard,
    private readonly readiness: ReadinessRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.grpcPort === undefined) return;
    const get = <T>(type: new (...args: never[]) => T): T => this.moduleRef.get(type, { strict: false });
    this.server = new AdminGrpcServer({
      host: this.config.listenHost,
      port: this.config.grpcPort,
      services: ADMIN_RPC.map((binding) => ({ binding, instance: binding.provide(get) })),
      admission: this.guard,
      logger: this.logger,
      ready: async () => (await this.readiness.run()).ready,
    });
    this.port = await this.server.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server?.stop(this.config.shutdownGraceMs);
  }
}

@Module({ providers: [RegistryGrpcServer] })
export class GrpcModule {}

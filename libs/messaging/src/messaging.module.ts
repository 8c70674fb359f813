import { DynamicModule, Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { STREAMS, type ConsumerSpec, type StreamSpec } from '@hookline/contracts';
import { LOGGER, ReadinessRegistry, type Logger } from '@hookline/observability';
import { ConsumerHost } from './consumer-host';
import { ConsumerMetrics } from './consumer-metrics';
import { MESSAGING_OPTIONS, MessagingOptions, NatsClient } from './nats-client';
import { ensureConsumer, ensureStream, retireConsumer } from './provisioner';
import { JetStreamPublisher } from './publisher';

const TOPOLOGY = Symbol('HOOKLINE_TOPOLOGY');

interface Topology {
  streams: StreamSpec[];
  consumers: ConsumerSpec[];
  /** Durable consumers this service used to declare: deleted at start if they still exist. */
  retired: { stream: string; durable: string }[];
}

/** Connects, declares the service's streams and consumers, and registers the readiness check. */
@Injectable()
class MessagingBootstrap implements OnModuleInit {
  constructor(
    private readonly client: NatsClient,
    private readonly readiness: ReadinessRegistry,
    @Inject(TOPOLOGY) private readonly topology: Topology,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.client.connect();
    // The dead-letter stream is always there: every consumer may need it.
    const streams = [...this.topology.streams, STREAMS.deadLetter].filter((s, i, all) => all.findIndex((o) => o.name === s.name) === i);
    for (const s of streams) await ensureStream(this.client.jsm, s, this.options.streamReplicas ?? 1);
    for (const c of this.topology.consumers) await ensureConsumer(this.client.jsm, c);
    for (const r of this.topology.retired) {
      if (await retireConsumer(this.client.jsm, r.stream, r.durable)) this.logger.info({ stream: r.stream, durable: r.durable }, 'deleted a consumer this version no longer reads');
    }
    this.readiness.register('nats', async () => {
      if (!this.client.isConnected()) throw new Error('not connected');
      for (const s of streams) await this.client.jsm.streams.info(s.name);
      for (const c of this.topology.consumers) await this.client.jsm.consumers.info(c.stream, c.durable);
    });
  }
}

@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: { useFactory: (...deps: never[]) => MessagingOptions; inject?: unknown[]; streams: StreamSpec[]; consumers?: ConsumerSpec[]; retiredConsumers?: { stream: string; durable: string }[] }): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGING_OPTIONS, useFactory: options.useFactory, inject: (options.inject ?? []) as never[] },
        { provide: TOPOLOGY, useValue: { streams: options.streams, consumers: options.consumers ?? [], retired: options.retiredConsumers ?? [] } },
        NatsClient,
        JetStreamPublisher,
        ConsumerHost,
        MessagingBootstrap,
        ConsumerMetrics,
      ],
      exports: [NatsClient, JetStreamPublisher, ConsumerHost],
    };
  }
}

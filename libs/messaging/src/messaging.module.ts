import { DynamicModule, Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { STREAMS, type ConsumerSpec, type StreamSpec } from '@hookline/contracts';
import { ReadinessRegistry } from '@hookline/observability';
import { ConsumerHost } from './consumer-host';
import { MESSAGING_OPTIONS, MessagingOptions, NatsClient } from './nats-client';
import { ensureConsumer, ensureStream } from './provisioner';
import { JetStreamPublisher } from './publisher';

const TOPOLOGY = Symbol('HOOKLINE_TOPOLOGY');

interface Topology {
  streams: StreamSpec[];
  consumers: ConsumerSpec[];
}

/** Connects, declares the service's streams and consumers, and registers the readiness check. */
@Injectable()
class MessagingBootstrap implements OnModuleInit {
  constructor(
    private readonly client: NatsClient,
    private readonly readiness: ReadinessRegistry,
    @Inject(TOPOLOGY) private readonly topology: Topology,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.client.connect();
    // The dead-letter stream is always there: every consumer may need it.
    const streams = [...this.topology.streams, STREAMS.deadLetter].filter((s, i, all) => all.findIndex((o) => o.name === s.name) === i);
    for (const s of streams) await ensureStream(this.client.jsm, s);
    for (const c of this.topology.consumers) await ensureConsumer(this.client.jsm, c);
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
  static forRoot(options: { useFactory: (...deps: never[]) => MessagingOptions; inject?: unknown[]; streams: StreamSpec[]; consumers?: ConsumerSpec[] }): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGING_OPTIONS, useFactory: options.useFactory, inject: (options.inject ?? []) as never[] },
        { provide: TOPOLOGY, useValue: { streams: options.streams, consumers: options.consumers ?? [] } },
        NatsClient,
        JetStreamPublisher,
        ConsumerHost,
        MessagingBootstrap,
      ],
      exports: [NatsClient, JetStreamPublisher, ConsumerHost],
    };
  }
}

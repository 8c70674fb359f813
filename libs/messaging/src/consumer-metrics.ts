// What the broker says about this service's durable consumers, for Prometheus: pending
// (not yet delivered), ack pending and redelivered messages, read from JetStream consumer
// info when scraped (one request per consumer the service runs), at most every 5 s. The
// broker's numbers are the consumer's, shared by every replica: aggregate with max().
import { Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { Metrics } from '@hookline/observability';
import { ConsumerHost } from './consumer-host';
import { NatsClient } from './nats-client';

const CACHE_MS = 5000;

@Injectable()
export class ConsumerMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly host: ConsumerHost,
    private readonly client: NatsClient,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    const specs = this.host.specs();
    if (!this.metrics || specs.length === 0) return;
    this.metrics.onScrape({
      name: 'jetstream-consumers',
      gauges: ['consumerPending', 'consumerAckPending', 'consumerRedelivered'],
      cacheMs: CACHE_MS,
      read: async () => {
        const infos = await Promise.all(specs.map(async (s) => ({ labels: { stream: s.stream, consumer: s.durable }, info: await this.client.jsm.consumers.info(s.stream, s.durable) })));
        return {
          consumerPending: infos.map((i) => ({ labels: i.labels, value: i.info.num_pending })),
          consumerAckPending: infos.map((i) => ({ labels: i.labels, value: i.info.num_ack_pending })),
          consumerRedelivered: infos.map((i) => ({ labels: i.labels, value: i.info.num_redelivered })),
        };
      },
    });
  }
}

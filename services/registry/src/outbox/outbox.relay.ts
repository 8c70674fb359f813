// Publishes the outbox to JetStream: oldest first, Nats-Msg-Id = the row id (so a row
// published again after a crash is recognised as a duplicate), then marks the rows.
// Woken at once after each local commit and polled for rows other instances wrote;
// rows left behind by a crash or a broker outage go out as soon as it can publish.
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { JetStreamPublisher } from '@hookline/messaging';
import { LOGGER, Logger } from '@hookline/observability';
import type { RegistryConfig } from '../config';
import { OutboxRepository } from './outbox.repository';

const BATCH = 200;
const PURGE_AFTER_MS = 7 * 86_400_000;

@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private stopping = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private pending = false;
  private lastPurge = 0;
  /** Drain cycles started; flushed() waits for one that began after it was called. */
  private cyclesStarted = 0;
  private flushWaiters: { cycle: number; resolve: () => void }[] = [];

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly publisher: JetStreamPublisher,
    @Inject(CONFIG) private readonly config: RegistryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.loop;
  }

  /** A transaction with change events committed: publish them now rather than at the next poll. */
  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  /**
   * Resolves once a drain cycle that began after this call has finished, i.e. every
   * row committed before the call is on the stream: an API write answers after its
   * change event is published, so a reader of the stream sees it right away. Gives up
   * waiting after timeoutMs (the rows are committed and will still go out).
   */
  flushed(timeoutMs = 3000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.flushWaiters.push({ cycle: this.cyclesStarted + 1, resolve: () => (clearTimeout(timer), resolve()) });
      this.wake();
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let published = 0;
      try {
        this.pending = false;
        const cycle = ++this.cyclesStarted;
        published = await this.outbox.drain(BATCH, (rows) => this.publish(rows));
        if (published < BATCH) {
          const ready = this.flushWaiters.filter((w) => w.cycle <= cycle);
          this.flushWaiters = this.flushWaiters.filter((w) => w.cycle > cycle);
          for (const w of ready) w.resolve();
        }
        failures = 0;
        await this.purge();
      } catch (err) {
        failures++;
        this.logger.warn({ err: (err as Error).message, failures }, 'outbox relay failed; will retry');
      }
      if (published === BATCH) continue;
      const delay = failures > 0 ? Math.min(10_000, 250 * 2 ** Math.min(failures, 6)) : this.config.outboxPollMs;
      if (!this.pending || failures > 0) await this.sleep(delay);
    }
  }

  /** Publishes in order and stops at the first failure, so no row overtakes an earlier one. */
  private async publish(rows: { id: string; subject: string; payload: unknown; msgId: string | null }[]): Promise<string[]> {
    const done: string[] = [];
    for (const row of rows) {
      if (this.stopping && done.length > 0) break;
      try {
        await this.publisher.publishRaw(row.subject, JSON.stringify(row.payload), { msgId: row.msgId ?? row.id, deadlineMs: 3000 });
        done.push(row.id);
      } catch (err) {
        this.logger.warn({ subject: row.subject, err: (err as Error).message }, 'outbox row not published yet');
        if (done.length === 0) throw err;
        break;
      }
    }
    return done;
  }

  private async purge(): Promise<void> {
    if (Date.now() - this.lastPurge < 3_600_000) return;
    this.lastPurge = Date.now();
    const n = await this.outbox.purgePublished(new Date(Date.now() - PURGE_AFTER_MS));
    if (n > 0) this.logger.info({ rows: n }, 'purged published outbox rows');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }
}

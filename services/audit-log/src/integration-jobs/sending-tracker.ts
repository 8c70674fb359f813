// Which background requests are being sent right now. The dispatcher says so on core NATS
// (the log records only outcomes), and every audit-log instance hears it, so a job read
// or a stream opened while the request is out says "sending", not "scheduled". Bounded:
// an entry goes when the outcome is recorded, or after ten minutes.
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import type { DeliveryLiveUpdate } from '@hookline/contracts';
import { NatsClient } from '@hookline/messaging';

const KEEP_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

@Injectable()
export class SendingTracker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sending = new Map<string, number>();
  private sub?: Subscription;

  constructor(private readonly nats: NatsClient) {}

  onApplicationBootstrap(): void {
    const sub = this.nats.nc.subscribe('hookline.live.>');
    this.sub = sub;
    void (async () => {
      for await (const m of sub) {
        try {
          this.note(JSON.parse(m.string()) as DeliveryLiveUpdate);
        } catch {
          /* not an update */
        }
      }
    })();
  }

  onApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }

  note(u: DeliveryLiveUpdate, now = Date.now()): void {
    if (u.type === 'sending') {
      if (this.sending.size >= MAX_ENTRIES) this.sending.delete(this.sending.keys().next().value as string);
      this.sending.set(u.deliveryId, now);
    } else if (u.status !== 'pending' && u.status !== null) {
      this.sending.delete(u.deliveryId);
    }
  }

  isSending(deliveryId: string, now = Date.now()): boolean {
    const at = this.sending.get(deliveryId);
    if (at === undefined) return false;
    if (now - at > KEEP_MS) {
      this.sending.delete(deliveryId);
      return false;
    }
    return true;
  }
}

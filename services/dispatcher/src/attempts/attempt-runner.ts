// Runs attempts under the per-destination limits: at most a few per receiver at once
// (ReceiverGate), never the same order twice at once in this process (OrderDedup).
// Orders come from the consumers (a delivery's "created" fact, retries, resends); first
// attempts also come straight from fan-out, while the host event that caused them is
// still unacknowledged, whenever their receiver has room now or within a short wait.
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { deliveryMsgIds, firstOrderOf, type DeliveryCreated, type DispatchOrder } from '@hookline/contracts';
import { DeferredError, PoisonMessageError } from '@hookline/messaging';
import { InstanceStats, LOGGER, type Logger } from '@hookline/observability';
import type { DispatcherConfig } from '../config';
import { AttemptService } from './attempt.service';
import { FactRecorder } from './fact-recorder';
import { OrderDedup } from './order-dedup';
import { ParkRecorder } from './park-recorder';
import { DEFAULT_PACING, DEFAULT_THROTTLE, ReceiverGate, type GateWatch, type WaitLimits } from './receiver-gate';

/** A stage that takes this long counts as slow in the per-instance statistics (latency tails). */
export const SLOW_MS = 50;

@Injectable()
export class AttemptRunner {
  private readonly gate: ReceiverGate;
  private readonly dedup = new OrderDedup();

  constructor(
    private readonly attempts: AttemptService,
    private readonly facts: FactRecorder,
    private readonly parks: ParkRecorder,
    private readonly stats: InstanceStats,
    @Inject(CONFIG) private readonly config: DispatcherConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    // A queue twice the slots: orders handed back and returning a little early still find room.
    this.gate = new ReceiverGate(config.perReceiverConcurrency, 2 * config.perReceiverConcurrency, DEFAULT_PACING, Date.now, DEFAULT_THROTTLE, this.watch());
  }

  /** A receiver cut to its probes, and answering again: a log line and a work counter each (GET /health, /metrics). */
  private watch(): GateWatch {
    return {
      cut: (lane, info) => {
        this.stats.count('receivers.cut');
        this.logger.warn({ lane, ...info }, `receiver ${lane}: ${info.timeouts} attempts in a row timed out; ${info.probes} at a time until it answers`);
      },
      answering: (lane, info) => {
        this.stats.count('receivers.answering-again');
        this.logger.info({ lane, hungMs: info.hungMs }, `receiver ${lane} answers again after ${Math.round(info.hungMs / 1000)} s; its slots come back as it answers`);
      },
    };
  }

  /** One gate per destination: a receiver, a push notification type, an integration... */
  private laneOf(order: DispatchOrder): string {
    return `${order.tenantId}/${order.kind}/${order.target}`;
  }

  /**
   * An order from a consumer. A busy receiver's order waits here in a short queue (or as
   * long as a first attempt from fan-out may wait, when the receiver is answering), or
   * is handed back to come back when the receiver should have room (DeferredError), or
   * is parked in the retry-scheduler's agenda when that is far off; it is never failed.
   */
  async run(order: DispatchOrder): Promise<void> {
    if (!order?.deliveryId || !order.tenantId || !order.kind || typeof order.target !== 'string' || typeof order.body !== 'string') throw new PoisonMessageError('not a dispatch order');
    const orderKey = deliveryMsgIds.due(order);
    const state = this.dedup.begin(orderKey);
    // Its attempt is over and every fact of it published: this copy is acked, not sent again.
    if (state === 'done') return;
    if (state === 'running') throw new DeferredError(`order ${orderKey} is being attempted already`, 2000);
    let completed = false;
    try {
      const key = this.laneOf(order);
      const admitted = this.gate.admit(key, this.waitLimits());
      // A queued order waits for its turn, or is sent away when its receiver's slots are cut (it hangs).
      const admission = admitted.kind === 'queued' ? await admitted.ready : admitted;
      if (admission.kind === 'full') {
        if (admission.retryInMs <= this.config.parkAfterMs) {
          this.stats.count('orders.handed-back');
          throw new DeferredError(`receiver ${key} is busy`, admission.retryInMs);
        }
        // Busy for long: into the agenda (durable, out of the ack window) until its turn.
        await this.park(order, admission.retryInMs);
        completed = true;
        return;
      }
      const slot = this.slotOf(key);
      try {
        await this.attempts.attempt(order, { sent: slot.free });
        completed = true;
      } finally {
        slot.free();
      }
    } finally {
      this.dedup.finish(orderKey, completed);
    }
  }

  /**
   * A delivery's first attempt, straight from fan-out, when its receiver has room now or
   * is answering (it completed an attempt within HOOKLINE_DISPATCH_INLINE_WAIT): the
   * "created" fact is then recorded with the outcome, in one message, and no order
   * crosses the broker. Returns false (having done nothing) when the receiver has stopped
   * answering: the caller publishes the "created" fact on its own, as the order the
   * first-attempts consumer takes up (with hand-backs and parking).
   */
  async runFirst(created: DeliveryCreated): Promise<boolean> {
    const order = firstOrderOf(created);
    const orderKey = deliveryMsgIds.due(order);
    const state = this.dedup.begin(orderKey);
    // A redelivered host event whose deliveries this process has already made.
    if (state === 'done') return true;
    if (state === 'running') throw new DeferredError(`order ${orderKey} is being attempted already`, 2000);
    let completed = false;
    try {
      const key = this.laneOf(order);
      // A receiver that has stopped answering hands its deliveries to the order path at once; a
      // busy one that answers keeps the events waiting here (the backlog stays in the stream),
      // unless its turn is further off than HOOKLINE_DISPATCH_INLINE_QUEUE_WAIT (or than an
      // order would wait before being parked): each waiting event holds one of the event
      // consumer's places, and a slow receiver must not take them from everybody else's events.
      const admission = this.gate.tryAdmit(key, this.waitLimits());
      if (!admission) return false;
      if (admission.kind === 'queued') {
        const since = Date.now();
        const turn = await admission.ready;
        // Its receiver's slots were cut while it waited (it hangs): the order path takes it.
        if (turn.kind === 'full') return false;
        const waited = Date.now() - since;
        if (waited >= SLOW_MS) {
          this.stats.count('slow.turn');
          this.stats.count('slow.turn.ms', waited);
        }
      }
      const slot = this.slotOf(key);
      try {
        await this.attempts.attempt(order, { created, sent: slot.free });
        completed = true;
        this.stats.count('attempts.inline');
        return true;
      } finally {
        slot.free();
      }
    } finally {
      this.dedup.finish(orderKey, completed);
    }
  }

  /**
   * For a first attempt that runFirst turned away: when its receiver's turn is further off
   * than HOOKLINE_DISPATCH_PARK_AFTER (a receiver that hangs, with a long queue of
   * orders already), its "created" fact is recorded (in a fact batch) and its order goes
   * straight into the retry-scheduler's agenda with that turn. As an order of its own it
   * would cross the broker, be taken up, be handed back, come back and only then be
   * parked: in the isolation scenario of npm run bench such a delivery cost about twice
   * a healthy delivery's CPU, taken from the other receivers'. Returns false (having done
   * nothing) when the turn is nearer: the caller publishes the "created" fact as the order.
   */
  async parkFirst(created: DeliveryCreated): Promise<boolean> {
    const order = firstOrderOf(created);
    const forMs = this.gate.farTurn(this.laneOf(order), this.config.parkAfterMs, this.waitLimits());
    if (forMs === undefined) return false;
    // The fact first: the log knows the delivery before its order can come back from the agenda.
    await this.facts.record(created);
    await this.park(order, forMs);
    this.stats.count('orders.parked.from-fan-out');
    return true;
  }

  /**
   * A receiver's slot, given back once: as soon as the receiver has answered (the attempt's
   * `sent`), not when the outcome is recorded. The slot bounds the requests a receiver has
   * in flight, and its completions pace the orders handed back; recording the outcome (a
   * fact batch's linger, then the broker's ack) is no load on the receiver. Held until
   * then, on a busy machine the dispatcher's own delays counted against the receiver: at
   * 942 events a second to one receiver, 5,583 first attempts of one latency window
   * waited for a turn (a mean of 353 ms; npm run bench, 5 December 12:30 UTC). Alternating
   * runs of `npm run bench -- --only delivered,latency` could not tell the p99 apart (45,
   * 156, 45 ms with it, 49, 45, 63 without): where turns were waited for, the machine was
   * 173-195 % busy of 200 % either way. `timedOut`: the receiver did not answer before
   * the deadline (ReceiverGate cuts a receiver that keeps doing that to a few probes).
   */
  private slotOf(key: string): { free: (timedOut?: boolean) => void } {
    let held = true;
    return {
      free: (timedOut = false) => {
        if (!held) return;
        held = false;
        this.gate.release(key, timedOut ? 'timed-out' : 'answered');
      },
    };
  }

  /** How long work may wait in a busy receiver's queue here, an order as long as a first attempt from fan-out (see ReceiverGate.admit). */
  private waitLimits(): WaitLimits {
    return { stalledAfterMs: this.config.inlineWaitMs, maxWaitMs: Math.min(this.config.inlineQueueWaitMs, this.config.parkAfterMs) };
  }

  /** Into the agenda (in a batch with the other orders parked meanwhile: ParkRecorder) until `forMs` from now. */
  private async park(order: DispatchOrder, forMs: number): Promise<void> {
    this.stats.count('orders.parked');
    await this.parks.park({ order: { ...order, parked: (order.parked ?? 0) + 1 }, dueAt: new Date(Date.now() + forMs).toISOString() });
  }
}

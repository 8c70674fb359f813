// Bounds the attempts in flight per receiver. Beyond the limit an order waits here, in
// order, for a free slot (up to a small queue per receiver, or longer while the receiver
// answers and the order's turn is near: see admit); only beyond that is it handed back
// to the broker. Waiting locally instead of handing back keeps a long backlog for one
// receiver from cycling through JetStream again and again.
//
// An order handed back is told when to return: the gate measures how fast each busy
// receiver completes attempts and gives the handed-back orders return times one
// completion apart, after those already given out, so each comes back about when its
// receiver's queue has room for it (a little early rather than late). A fast
// receiver's backlog then costs about two hand-outs per delivery instead of a return every few hundred milliseconds, and a
// hanging receiver's orders stay away as long as its slots are held.
//
// A receiver whose attempts time out one after another (it accepts connections and never
// answers) is cut to a few probes at a time: each of its slots would otherwise hold a
// request for the whole deadline, round after round, and every round's timeouts would
// look like a burst of completions that brings its handed-back orders straight back.
// Its queue shrinks with it (the orders beyond are sent away, as if they had found it
// full); a timeout is no completion, so its orders are sent further away the longer it
// has not answered; and each answer doubles its slots again, up to the limit (a slow
// start: a recovered receiver is at full speed after a few answers, its rate measured
// afresh). The cut is remembered after the lane empties (a bounded table), so the
// orders that come back from the agenda find a hanging receiver still probed, not every
// slot wide again.

/** Where a queued order stands once its turn comes: a slot, or sent away (the receiver's slots were cut). */
export type Turn = { kind: 'run' } | { kind: 'full'; retryInMs: number };

export type Admission = { kind: 'run' } | { kind: 'queued'; ready: Promise<Turn> } | { kind: 'full'; retryInMs: number };

/** How an attempt ended, as far as its receiver's slots are concerned. */
export type Release = 'answered' | 'timed-out';

/** When a receiver counts as hanging, and how many attempts it is then given at once. */
export interface GateThrottle {
  /** Timeouts in a row (no answer between) after which the receiver's slots are cut. */
  timeoutsInARow: number;
  /** The slots a hanging receiver keeps: its probes. */
  probes: number;
  /** Hanging receivers remembered once their lanes are empty. */
  remember: number;
}

export const DEFAULT_THROTTLE: GateThrottle = { timeoutsInARow: 3, probes: 2, remember: 10_000 };

/** Told when a receiver is cut to its probes, and when it answers again (for logs and counters). */
export interface GateWatch {
  cut(key: string, info: { timeouts: number; probes: number; sentAway: number }): void;
  answering(key: string, info: { hungMs: number }): void;
}

/** How long work may wait in a busy lane's queue: not at all once the receiver has completed nothing for `stalledAfterMs`. */
export interface WaitLimits {
  stalledAfterMs: number;
  maxWaitMs: number;
}

export interface GatePacing {
  /** Completions measured before the lane's own rate is trusted. */
  warmup: number;
  /** Milliseconds per completion assumed before the warmup. */
  initialMsPerCompletion: number;
  /**
   * Return times are spaced this fraction of a completion apart. Below 1 on purpose: an
   * order back too early is only handed back once more (and the queue, twice the slots,
   * absorbs some), one back too late leaves the receiver idle while its backlog waits in
   * the broker. Measured on a 100,000-event backlog: 0.5 cost 3.1 hand-outs per delivery.
   */
  spacing: number;
  /**
   * Shortest and longest time an order is sent away for. Long waits are parked by the
   * dispatcher rather than handed back (see HOOKLINE_DISPATCH_PARK_AFTER); the longest
   * bounds how far ahead a parked order's turn is set, so a receiver that recovers is
   * not kept waiting by turns measured while it was slow.
   */
  minDelayMs: number;
  maxDelayMs: number;
  /**
   * The longest time an order is sent away for before the lane has measured its rate
   * (`warmup` completions). The first completions of a lane are its first attempts, whose
   * time (a cold start: connections, the signer, the JIT, a dispatcher catching up)
   * says little of how fast it drains later, and a return time given out is kept: on a
   * 100,000-event backlog, 1,854 orders handed out in the first moments got turns 30 s to
   * minutes ahead from that guess, were parked on them, and the backlog was not drained
   * in 150 s although the receiver had been taking 1,000 a second for most of it.
   */
  warmupMaxDelayMs: number;
}

export const DEFAULT_PACING: GatePacing = { warmup: 16, initialMsPerCompletion: 1, spacing: 0.8, minDelayMs: 20, maxDelayMs: 300_000, warmupMaxDelayMs: 1000 };

interface Lane {
  running: number;
  /** Attempts it may have at once: maxRunning, or fewer while it hangs. */
  limit: number;
  /** Its attempts that timed out since the last answer. */
  timeouts: number;
  waiting: ((turn: Turn) => void)[];
  completions: number;
  lastCompletionAt: number;
  /** Smoothed milliseconds between completions while the lane is busy. */
  msPerCompletion: number;
  /** The latest return time given to an order handed back. */
  returnAt: number;
}

export class ReceiverGate {
  private readonly lanes = new Map<string, Lane>();
  /** Hanging receivers whose lanes have emptied, oldest first: their slots, and when they last answered. */
  private readonly cut = new Map<string, { limit: number; lastCompletionAt: number }>();

  constructor(
    private readonly maxRunning: number,
    private readonly maxWaiting: number,
    private readonly pacing: GatePacing = DEFAULT_PACING,
    private readonly now: () => number = Date.now,
    private readonly throttle: GateThrottle = DEFAULT_THROTTLE,
    private readonly watch?: GateWatch,
  ) {}

  /**
   * An order: a slot now, a place in the queue (up to `maxWaiting`), or a return time.
   * With `wait`, an order also takes a place beyond that queue whenever work straight
   * from fan-out would (tryAdmit's rule): while fan-out keeps a busy receiver's queue
   * long, its turn is near, and handing it back only brings it back to the same full
   * queue. (On a 100,000-event backlog, 1,400 orders made before the lanes had a rate
   * were handed back 68,000 times, about 49 each, while fan-out's events kept the queue
   * at several hundred.)
   */
  admit(key: string, wait?: WaitLimits): Admission {
    const lane = this.laneFor(key);
    if (lane.running < lane.limit) {
      lane.running++;
      return { kind: 'run' };
    }
    if (lane.waiting.length < this.queueOf(lane) || (wait && this.turnWithin(lane, wait))) return { kind: 'queued', ready: this.enqueue(lane) };
    return { kind: 'full', retryInMs: this.returnSlot(lane) };
  }

  /**
   * For work that holds something while it waits here (a first attempt straight from
   * fan-out holds its host event): a slot now, or a place in the queue, unless the
   * receiver has gone `stalledAfterMs` without completing an attempt (it has stopped
   * answering: its work is better handed to the order path, with hand-backs and parking)
   * or the wait ahead, judged from its completion rate (or, before it has one, from how
   * long its running attempts have taken so far), is longer than `maxWaitMs`, or the lane
   * has no measured rate yet and its queue (as long as the orders' queue) is full.
   * Otherwise undefined, and nothing changes (no return time is given out).
   */
  tryAdmit(key: string, limits: WaitLimits): { kind: 'run' } | { kind: 'queued'; ready: Promise<Turn> } | undefined {
    const lane = this.laneFor(key);
    if (lane.running < lane.limit) {
      lane.running++;
      return { kind: 'run' };
    }
    return this.turnWithin(lane, limits) ? { kind: 'queued', ready: this.enqueue(lane) } : undefined;
  }

  /**
   * For work from fan-out that tryAdmit has turned away: the time until its receiver will
   * have room for it, as admit would give an order that found the lane full, when that is
   * more than `beyondMs` off (the caller parks it in the agenda at once, where an order
   * would first cross the broker, be handed back, and then be parked). The return time is
   * then taken, like an order's. Undefined, with nothing changed, when an order would get
   * a place in the queue here or a turn within `beyondMs`: then it goes the order path.
   */
  farTurn(key: string, beyondMs: number, wait: WaitLimits): number | undefined {
    const lane = this.lanes.get(key);
    if (!lane || lane.running < lane.limit) return undefined;
    if (lane.waiting.length < this.queueOf(lane) || this.turnWithin(lane, wait)) return undefined;
    const next = this.nextReturn(lane);
    if (next.delayMs <= beyondMs) return undefined;
    lane.returnAt = next.at;
    return next.delayMs;
  }

  private laneFor(key: string): Lane {
    let lane = this.lanes.get(key);
    if (!lane) {
      const cut = this.cut.get(key);
      if (cut) this.cut.delete(key);
      lane = {
        running: 0,
        limit: cut?.limit ?? this.maxRunning,
        timeouts: 0,
        waiting: [],
        completions: 0,
        lastCompletionAt: cut?.lastCompletionAt ?? this.now(),
        msPerCompletion: this.pacing.initialMsPerCompletion,
        returnAt: 0,
      };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** The lane's queue: as many places per slot as with every slot open, so a hanging receiver's is short too. */
  private queueOf(lane: Lane): number {
    return lane.limit >= this.maxRunning ? this.maxWaiting : Math.ceil((this.maxWaiting * lane.limit) / this.maxRunning);
  }

  /** A place at the end of the queue; the slot passes straight to the waiter (running stays the same), so nobody can jump the queue. */
  private enqueue(lane: Lane): Promise<Turn> {
    return new Promise<Turn>((resolve) => lane.waiting.push(resolve));
  }

  /** Whether a newcomer at the end of a full lane's queue would get its turn within `limits` (see tryAdmit). */
  private turnWithin(lane: Lane, limits: WaitLimits): boolean {
    const since = this.now() - lane.lastCompletionAt;
    if (since > limits.stalledAfterMs) return false;
    // Until the lane has measured its rate, no more wait than an order would be let wait: a
    // receiver that has just started to hang looks fast for the first few hundred ms, and the
    // events let in then would hold the fan-out's places until it has worked through them.
    if (lane.completions < this.pacing.warmup && lane.waiting.length >= this.maxWaiting) return false;
    const per = this.msPerCompletionAtBest(lane, since);
    return (lane.waiting.length + 1) * per <= limits.maxWaitMs;
  }

  /**
   * A slot given back, with how its attempt ended: `timed-out` (no answer before the
   * deadline) counts towards cutting the receiver to its probes; anything else it
   * answered (any status, a refused connection) ends a run of timeouts and doubles a cut
   * receiver's slots.
   */
  release(key: string, outcome: Release = 'answered'): void {
    const lane = this.lanes.get(key);
    if (!lane) return;
    // A timeout is no completion: the receiver has still not answered since the last one,
    // and a round of timeouts ending together would look like a burst of answers.
    if (outcome === 'answered') {
      if (this.isCut(lane)) this.restart(key, lane);
      else this.measure(lane);
    }
    this.adapt(key, lane, outcome);
    // The slot is free; the queue takes every slot there is room for now (one, or more when
    // an answer has just doubled a cut receiver's), so a newcomer never runs ahead of it.
    lane.running--;
    while (lane.running < lane.limit && lane.waiting.length > 0) {
      lane.running++;
      lane.waiting.shift()?.({ kind: 'run' });
    }
    if (lane.running <= 0 && lane.waiting.length === 0) this.forget(key, lane);
  }

  stats(key: string): { running: number; waiting: number; msPerCompletion?: number; limit?: number } {
    const lane = this.lanes.get(key);
    const cut = this.cut.get(key);
    if (!lane) return { running: 0, waiting: 0, ...(cut ? { limit: cut.limit } : {}) };
    return { running: lane.running, waiting: lane.waiting.length, msPerCompletion: lane.msPerCompletion, ...(lane.limit < this.maxRunning ? { limit: lane.limit } : {}) };
  }

  /** The lane's slots after an attempt: cut to the probes after enough timeouts in a row, doubled by an answer. */
  private adapt(key: string, lane: Lane, outcome: Release): void {
    if (outcome === 'answered') {
      lane.timeouts = 0;
      if (lane.limit < this.maxRunning) lane.limit = Math.min(this.maxRunning, lane.limit * 2);
      return;
    }
    lane.timeouts++;
    if (lane.timeouts < this.throttle.timeoutsInARow || lane.limit <= this.throttle.probes) return;
    // Here limit > probes (checked above), so probes < maxRunning.
    lane.limit = Math.max(1, this.throttle.probes);
    // The queue shrinks with the slots: the orders beyond it go away as if they had found the lane full, last come first.
    const keep = this.queueOf(lane);
    const sent = lane.waiting.splice(keep);
    for (const w of sent) w({ kind: 'full', retryInMs: this.returnSlot(lane) });
    this.watch?.cut(key, { timeouts: lane.timeouts, probes: lane.limit, sentAway: sent.length });
  }

  private isCut(lane: Lane): boolean {
    return lane.limit < this.maxRunning && lane.limit <= this.throttle.probes;
  }

  /**
   * A cut lane's first answer: its rate is measured afresh (the gap since its last answer
   * is how long it hung, not how fast it drains), and the turns given out while it hung,
   * spaced by how long it had not answered, are no guide for new ones.
   */
  private restart(key: string, lane: Lane): void {
    this.watch?.answering(key, { hungMs: this.now() - lane.lastCompletionAt });
    lane.lastCompletionAt = this.now();
    lane.completions = 0;
    lane.msPerCompletion = this.pacing.initialMsPerCompletion;
    lane.returnAt = 0;
  }

  /** An empty lane goes; a cut one's limit is remembered (the oldest forgotten beyond `remember`). */
  private forget(key: string, lane: Lane): void {
    this.lanes.delete(key);
    if (lane.limit >= this.maxRunning) return;
    this.cut.set(key, { limit: lane.limit, lastCompletionAt: lane.lastCompletionAt });
    if (this.cut.size > this.throttle.remember) this.cut.delete(this.cut.keys().next().value as string);
  }

  /** Exponentially smoothed gap between completions; only gaps while the lane was full say how fast it drains. */
  private measure(lane: Lane): void {
    const t = this.now();
    const gap = t - lane.lastCompletionAt;
    lane.lastCompletionAt = t;
    if (lane.waiting.length === 0 && lane.running < lane.limit) return;
    lane.completions++;
    const weight = lane.completions <= this.pacing.warmup ? 1 / lane.completions : 0.05;
    lane.msPerCompletion += weight * (gap - lane.msPerCompletion);
  }

  /**
   * The lane's pace: its measured rate, unless it has slowed down (or has none yet): a full
   * lane that has gone `stalledMs` without a completion completes at most one attempt per
   * stalledMs/maxRunning ms. (Every slot, also for a lane cut to its probes: the pace is
   * how fast its orders will be taken once it answers again, and the longer it has not,
   * the further apart they are sent.)
   */
  private msPerCompletionAtBest(lane: Lane, stalledMs: number): number {
    return Math.max(lane.msPerCompletion, stalledMs / this.maxRunning);
  }

  /** The next free return time, one completion after the last one given out; taken. */
  private returnSlot(lane: Lane): number {
    const next = this.nextReturn(lane);
    lane.returnAt = next.at;
    return next.delayMs;
  }

  /** The next free return time (at) and how far off it is, rounded and bounded (delayMs); nothing is taken. */
  private nextReturn(lane: Lane): { at: number; delayMs: number } {
    const t = this.now();
    const stalled = t - lane.lastCompletionAt;
    // The orders already queued here go first: a returning order finds room once that many completions have happened.
    const per = Math.max(this.msPerCompletionAtBest(lane, stalled) * this.pacing.spacing, 0.1);
    const start = Math.max(lane.returnAt, t + per * (lane.waiting.length / 2));
    // Before the rate is measured, no turn further off than warmupMaxDelayMs: the orders
    // come back together then, and get turns from the measured rate; or, for a lane that
    // has completed nothing for longer (a receiver that has begun to hang), no further off
    // than it has been stalled: its orders come back after 1, 2, 4… s, instead of every
    // second until its first attempts time out, and are parked once that is far off. A
    // lane cut to its probes is known to hang, rate or not: no such cap.
    const cap = lane.completions < this.pacing.warmup && lane.limit >= this.maxRunning ? Math.max(this.pacing.warmupMaxDelayMs, stalled) : this.pacing.maxDelayMs;
    const at = Math.min(start + per, t + cap);
    return { at, delayMs: Math.round(Math.min(this.pacing.maxDelayMs, Math.max(this.pacing.minDelayMs, at - t))) };
  }
}

// A durable consumer's place in its stream, checked against the stream before it is read
// again after nats-server went away, and put right when the server lost it.
//
// nats-server 2.10 (and 2.12, nats-io/nats-server#8036 and #5412) can come back from a
// crash (SIGKILL, OOM, power) with a consumer's state that no longer fits its stream:
//   - ahead: the stream rebuilt its state with fewer messages, or from sequence 0 (seen
//     here on a work queue: first 0, last 0, while its consumers' floors stayed at 19,017).
//     The consumer then takes every new message, whose sequence it believes it has
//     delivered, as done: nothing reaches it until the stream passes its old floor (a
//     retry never attempted, a change never applied);
//   - reset: the consumer's ack floor went back to the stream's start while the stream kept
//     its messages: everything is delivered again (a week of events fanned out again).
// Both are repaired by creating the consumer again where it should be. The state this needs
// (the floor a consumer had before the crash, and when the connection was lost) is kept by
// the process that saw it; a process that starts after the crash repairs "ahead" only.
import { DeliverPolicy, type ConsumerConfig, type ConsumerInfo, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import type { ConsumerSpec } from '@hookline/contracts';
import type { Logger } from '@hookline/observability';
import { consumerConfig, isAlreadyThere } from './provisioner';

/** How far before the lost connection a consumer created again starts reading a kept stream: what was acked in that time comes again. */
export const RESTART_MARGIN_MS = 10_000;

export interface PlaceFacts {
  retention: 'limits' | 'workqueue' | 'interest';
  /** The stream's last sequence, read after the consumer's state (it can only have grown since). */
  streamLastSeq: number;
  /** The last stream sequence the consumer delivered, and its ack floor (everything up to it acked). */
  delivered: number;
  ackFloor: number;
  /** The ack floor this process saw before it lost the connection, if any. */
  rememberedFloor?: number;
  /** When this process lost the connection to nats-server (ms since the epoch), if it did. */
  lostAtMs?: number;
  /** Where the consumer starts when it is created. */
  startAt: 'all' | 'new';
}

export type PlaceRepair =
  | { kind: 'ok' }
  | { kind: 'ahead' | 'reset'; why: string; start: Pick<ConsumerConfig, 'deliver_policy' | 'opt_start_seq' | 'opt_start_time'> };

/** Pure: whether a consumer's place fits its stream, and where to start it again when it does not. */
export function placeRepair(f: PlaceFacts): PlaceRepair {
  if (f.delivered > f.streamLastSeq) {
    const why = `delivered up to stream sequence ${f.delivered}, past the stream's last (${f.streamLastSeq}): it would skip every new message up to there`;
    // A work queue keeps only what no consumer has acked: all of it is for us.
    if (f.retention === 'workqueue') return { kind: 'ahead', why, start: { deliver_policy: DeliverPolicy.All } };
    // A kept stream renumbered from a lower sequence: its new messages are the ones stored since the crash.
    if (f.lostAtMs !== undefined) return { kind: 'ahead', why, start: { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(f.lostAtMs - RESTART_MARGIN_MS).toISOString() } };
    return { kind: 'ahead', why, start: { deliver_policy: f.startAt === 'new' ? DeliverPolicy.New : DeliverPolicy.All } };
  }
  // A work queue deletes what was acked: a lower floor delivers nothing twice.
  if (f.retention !== 'workqueue' && f.rememberedFloor !== undefined && f.ackFloor < f.rememberedFloor && f.rememberedFloor <= f.streamLastSeq) {
    return {
      kind: 'reset',
      why: `ack floor ${f.ackFloor} is behind the ${f.rememberedFloor} it had before the connection was lost: it would deliver everything in between again`,
      start: { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: f.rememberedFloor + 1 },
    };
  }
  return { kind: 'ok' };
}

/**
 * Checks and repairs the places of one process's consumers. `lost()` is called when the
 * connection drops; `check(spec)` before a consumer is read (again), and repeatedly while
 * it is read, so that the floor to go back to is known.
 */
export class ConsumerPlaces {
  private readonly floors = new Map<string, number>();
  /** Per consumer, when the connection was lost, until its next check after that. */
  private readonly lostAt = new Map<string, number>();

  constructor(
    private readonly jsm: () => JetStreamManager,
    private readonly logger: Logger,
    private readonly onRepair: (durable: string, kind: 'ahead' | 'reset') => void = () => undefined,
  ) {}

  /** The connection dropped now: the next check of each of `specs` knows since when. */
  lost(specs: ConsumerSpec[], now = Date.now()): void {
    for (const s of specs) if (!this.lostAt.has(keyOf(s))) this.lostAt.set(keyOf(s), now);
  }

  /** Reads the consumer's and the stream's state (in that order), repairs what does not fit, and remembers the floor. */
  async check(spec: ConsumerSpec): Promise<PlaceRepair> {
    const jsm = this.jsm();
    const key = keyOf(spec);
    const ci: ConsumerInfo = await jsm.consumers.info(spec.stream, spec.durable);
    const si: StreamInfo = await jsm.streams.info(spec.stream);
    const repair = placeRepair({
      retention: si.config.retention as PlaceFacts['retention'],
      streamLastSeq: si.state.last_seq,
      delivered: ci.delivered.stream_seq,
      ackFloor: ci.ack_floor.stream_seq,
      rememberedFloor: this.floors.get(key),
      lostAtMs: this.lostAt.get(key),
      startAt: spec.startAt ?? 'all',
    });
    if (repair.kind === 'ok') {
      const remembered = this.floors.get(key);
      // A stream now shorter than the floor remembered was renumbered (and its consumer put
      // right, by this process or another): the old floor means nothing in it any more.
      this.floors.set(key, remembered === undefined || remembered > si.state.last_seq ? ci.ack_floor.stream_seq : Math.max(remembered, ci.ack_floor.stream_seq));
      this.lostAt.delete(key);
      return repair;
    }
    this.logger.warn({ stream: spec.stream, durable: spec.durable, problem: repair.kind, why: repair.why, start: repair.start }, "nats-server lost this consumer's place in its stream; creating it again where it belongs");
    // Another replica may be doing the same: a consumer already gone, or already there again, is fine.
    await jsm.consumers.delete(spec.stream, spec.durable).catch(() => undefined);
    await jsm.consumers.add(spec.stream, { ...consumerConfig(spec), ...repair.start }).catch((err: Error) => {
      if (!isAlreadyThere(err)) throw err;
    });
    const after = await jsm.consumers.info(spec.stream, spec.durable);
    this.floors.set(key, after.ack_floor.stream_seq);
    this.lostAt.delete(key);
    this.onRepair(spec.durable, repair.kind);
    return repair;
  }
}

const keyOf = (spec: ConsumerSpec) => `${spec.stream}/${spec.durable}`;

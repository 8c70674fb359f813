// One job's state as a Server-Sent Events stream: the state now, then every change,
// until it succeeds or fails. Changes come from core NATS (the dispatcher's "sending",
// the log's "recorded"), subscribed to before the state is read so that none falls in
// between; the log is read again now and then in case an update was lost. Pure of HTTP:
// the controller hands in where to write.
import { isFinalJobState, jobStatusOf, liveSubjects, type DeliveryLiveUpdate, type IntegrationJobStatus } from '@hookline/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DeliveryRow } from '../deliveries/deliveries.repository';
import { jobStatusOfRow } from './integration-jobs.service';

export interface JobEventSink {
  /** Writes raw text to the stream. */
  write(text: string): void;
  end(): void;
  onClose(fn: () => void): void;
}

export interface JobEventOptions {
  heartbeatMs: number;
  recheckMs: number;
  maxMs: number;
}

export const JOB_EVENT_DEFAULTS: JobEventOptions = { heartbeatMs: 15_000, recheckMs: 5_000, maxMs: 10 * 60_000 };

/** The next state to tell, or undefined when nothing changed (states never go back). */
export function nextState(current: IntegrationJobStatus | undefined, update: DeliveryLiveUpdate): IntegrationJobStatus | undefined {
  if (current && isFinalJobState(current.state)) return undefined;
  const next: IntegrationJobStatus =
    update.type === 'sending'
      ? { state: 'sending' }
      : jobStatusOf({ status: update.status, attempts: update.attempts, lastStatusCode: update.lastStatusCode, lastErrorClass: update.lastErrorClass, statusReason: update.statusReason });
  const rank = { scheduled: 0, sending: 1, succeeded: 2, failed: 2 } as const;
  if (current && (rank[next.state] < rank[current.state] || (next.state === current.state && !isFinalJobState(next.state)))) return undefined;
  return next;
}

export function streamJob(
  nc: NatsConnection,
  tenantId: string,
  jobId: string,
  read: () => Promise<DeliveryRow | undefined>,
  isSending: () => boolean,
  sink: JobEventSink,
  opts: JobEventOptions = JOB_EVENT_DEFAULTS,
): void {
  let state: IntegrationJobStatus | undefined;
  let seq = 0;
  let closed = false;
  const timers: NodeJS.Timeout[] = [];
  const sub = nc.subscribe(liveSubjects.delivery(tenantId, jobId));
  const close = () => {
    if (closed) return;
    closed = true;
    sub.unsubscribe();
    for (const t of timers) clearInterval(t);
    sink.end();
  };
  const tell = (next: IntegrationJobStatus | undefined) => {
    if (closed || !next) return;
    state = next;
    sink.write(`event: state\nid: ${++seq}\ndata: ${JSON.stringify({ jobId, ...next })}\n\n`);
    if (isFinalJobState(next.state)) close();
  };
  const fromRow = async () => {
    try {
      const row = await read();
      if (!row) return;
      const fromLog = jobStatusOfRow(row);
      const s: IntegrationJobStatus = fromLog.state === 'scheduled' && isSending() ? { state: 'sending' } : fromLog;
      if (!state || (s.state !== state.state && !(state.state === 'sending' && s.state === 'scheduled'))) tell(s);
    } catch {
      /* the next recheck tries again */
    }
  };
  sink.onClose(close);
  sink.write(`: job ${jobId}\nretry: 2000\n\n`);
  void (async () => {
    for await (const m of sub) {
      try {
        tell(nextState(state, JSON.parse(m.string()) as DeliveryLiveUpdate));
      } catch {
        /* not an update we can read */
      }
    }
  })();
  void fromRow();
  timers.push(setInterval(() => void fromRow(), opts.recheckMs));
  timers.push(setInterval(() => !closed && sink.write(': keep-alive\n\n'), opts.heartbeatMs));
  const stop = setTimeout(close, opts.maxMs);
  timers.push(stop);
}

// Messages nats-server took in and sent out, from its monitoring endpoint (/varz), so a
// scenario can say how many broker messages each unit of its work cost. The bench's
// stack starts nats-server with a monitoring port on loopback; without one, nothing.
import { request } from 'undici';

export interface NatsCounts {
  inMsgs: number;
  outMsgs: number;
}

/** Reads in_msgs and out_msgs from /varz; throws on anything else. */
export function parseVarz(body: unknown): NatsCounts {
  const v = body as { in_msgs?: unknown; out_msgs?: unknown } | null;
  if (!v || typeof v.in_msgs !== 'number' || typeof v.out_msgs !== 'number') throw new Error('/varz without in_msgs and out_msgs');
  return { inMsgs: v.in_msgs, outMsgs: v.out_msgs };
}

/** The counts now, or undefined without a monitoring endpoint or when it does not answer. */
export async function readNatsCounts(monitorUrl: string | undefined): Promise<NatsCounts | undefined> {
  if (!monitorUrl) return undefined;
  try {
    const res = await request(`${monitorUrl}/varz`, { headersTimeout: 2000, bodyTimeout: 2000 });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return undefined;
    }
    return parseVarz(await res.body.json());
  } catch {
    return undefined;
  }
}

/** The messages between two readings, as work counters (`messages.in`, `messages.out`); none when either reading is missing. */
export function natsWork(before: NatsCounts | undefined, after: NatsCounts | undefined): Record<string, number> | undefined {
  if (!before || !after) return undefined;
  return { 'messages.in': Math.max(0, after.inMsgs - before.inMsgs), 'messages.out': Math.max(0, after.outMsgs - before.outMsgs) };
}

// Pure: deliveries into equal time buckets with a count per status (the chart's data).
import type { DeliveryStatus } from '../api/types';

export const STATUS_COLOURS: Record<DeliveryStatus, string> = {
  succeeded: '#2e7d32',
  scheduled: '#ed6c02',
  pending: '#0288d1',
  failed: '#c62828',
  filtered: '#757575',
  cancelled: '#6d4c41',
  purged: '#9e9e9e',
};

const STEPS = [1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 86400].map((s) => s * 1000);

export interface Bucket {
  start: number;
  label: string;
  [status: string]: number | string;
}

/**
 * The window runs from the oldest delivery to `now` (so the chart moves on while it is open),
 * in at most `maxBuckets` buckets of a round size, and at least `minBuckets` (one lone
 * delivery is a bar among empty ones, not the whole chart).
 */
export function bucketDeliveries(
  deliveries: { createdAt: string; status: DeliveryStatus }[],
  maxBuckets: number,
  now: number = Date.now(),
  minBuckets = Math.min(6, maxBuckets),
): { buckets: Bucket[]; statuses: DeliveryStatus[]; bucketLabel?: string } {
  if (deliveries.length === 0) return { buckets: [], statuses: [] };
  const times = deliveries.map((d) => Date.parse(d.createdAt));
  const min = Math.min(...times);
  const end = Math.max(now, ...times);
  const step = STEPS.find((s) => (end - min) / s < maxBuckets - 1) ?? 86400_000 * Math.ceil((end - min) / 86400_000 / (maxBuckets - 1));
  let first = Math.floor(min / step) * step;
  let n = Math.floor((end - first) / step) + 1;
  if (n < minBuckets) {
    first -= (minBuckets - n) * step;
    n = minBuckets;
  }
  const statuses = [...new Set(deliveries.map((d) => d.status))].sort() as DeliveryStatus[];
  const buckets: Bucket[] = Array.from({ length: n }, (_, i) => {
    const start = first + i * step;
    const b: Bucket = { start, label: labelOf(start, step) };
    for (const s of statuses) b[s] = 0;
    return b;
  });
  deliveries.forEach((d, i) => {
    const b = buckets[Math.floor((times[i] - first) / step)];
    b[d.status] = (b[d.status] as number) + 1;
  });
  return { buckets, statuses, bucketLabel: stepLabel(step) };
}

function labelOf(t: number, step: number): string {
  const iso = new Date(t).toISOString();
  if (step >= 86400_000) return iso.slice(5, 10);
  if (step >= 60_000) return iso.slice(11, 16);
  return iso.slice(11, 19);
}

export function stepLabel(step: number): string {
  if (step >= 86400_000) return `${step / 86400_000} d`;
  if (step >= 3600_000) return `${step / 3600_000} h`;
  if (step >= 60_000) return `${step / 60_000} min`;
  return `${step / 1000} s`;
}

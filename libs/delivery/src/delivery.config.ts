// The settings every service of the outbound pipeline reads the same way: the retry
// policy, the length of a "day", and extra delivery kinds.
import { field, type FieldSpec } from '@hookline/config';

/** A duration that must be more than zero. */
function positive<F extends FieldSpec<number> & { env: string }>(f: F): F {
  return {
    ...f,
    parse: (raw: string) => {
      const v = f.parse(raw);
      if (v <= 0) throw new Error('must be more than zero');
      return v;
    },
  };
}

export const deliveryConfig = {
  retrySchedule: field.durations('HOOKLINE_RETRY_SCHEDULE', {
    default: [3_600_000, 7_200_000, 21_600_000, 86_400_000],
    doc: 'wait before each retry, counted from the previous attempt (the seed: 1h,2h,6h,24h); its length is the number of retries',
  }),
  retryJitterMs: field.duration('HOOKLINE_RETRY_JITTER', { default: 0, doc: 'up to this much is added at random to each wait (never subtracted)' }),
  maxRetryAfterMs: field.duration('HOOKLINE_RETRY_MAX_RETRY_AFTER', { default: 86_400_000, doc: "how far a receiver's Retry-After may push a retry out" }),
  pushDayMs: positive(
    field.duration('HOOKLINE_PUSH_DAY_LENGTH', {
      default: 86_400_000,
      doc: "the length of one of notification_days_before's days (24h; tests compress it, e.g. 1s)",
    }),
  ),
  deliveryKindModules: {
    env: 'HOOKLINE_DELIVERY_KIND_MODULES',
    default: [] as string[],
    doc: 'modules (absolute paths, comma-separated) whose `deliveryKinds` export adds delivery kinds to the platform\'s own',
    parse: (raw: string) =>
      raw
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== ''),
  } satisfies FieldSpec<string[]> & { env: string },
};

export type DeliveryConfig = {
  retrySchedule: number[];
  retryJitterMs: number;
  maxRetryAfterMs: number;
  pushDayMs: number;
  deliveryKindModules: string[];
};

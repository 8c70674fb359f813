import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { DELIVERY_KIND_RE } from '@hookline/contracts';
import type { DeliveryConfig } from './delivery.config';
import type { RetryPolicy } from './delivery-plan';
import { DeliveryKinds, type DeliveryKindProfile, type KindContext } from './kind-profile';
import { PLATFORM_KINDS } from './kinds/platform-kinds';
import type { TargetDirectory } from './kinds/target-directory';
import { retryPolicy } from './retry-policy';

/** Checks that a module's export looks like profiles before the table takes them. */
function profilesFrom(path: string, mod: unknown): DeliveryKindProfile<TargetDirectory>[] {
  const list = (mod as { deliveryKinds?: unknown })?.deliveryKinds;
  if (!Array.isArray(list)) throw new Error(`${path} exports no deliveryKinds array`);
  for (const p of list as Partial<DeliveryKindProfile>[]) {
    if (typeof p?.kind !== 'string' || !DELIVERY_KIND_RE.test(p.kind)) throw new Error(`${path}: a kind name must match ${DELIVERY_KIND_RE}`);
    if (typeof p.resolve !== 'function' || typeof p.resend?.action !== 'string' || typeof p.targetNoun !== 'string') {
      throw new Error(`${path}: kind ${p.kind} needs resolve(), targetNoun and resend`);
    }
  }
  return list as DeliveryKindProfile<TargetDirectory>[];
}

/** The platform's kinds plus those of the configured modules (loaded once, at start). */
export function loadDeliveryKinds(modules: readonly string[], load: (path: string) => unknown = require): DeliveryKinds<TargetDirectory> {
  const kinds = new DeliveryKinds<TargetDirectory>(PLATFORM_KINDS);
  for (const path of modules) for (const p of profilesFrom(path, load(path))) kinds.register(p);
  return kinds;
}

/** The kind table, and the context its profiles resolve targets in. */
@Injectable()
export class DeliveryKindsService {
  readonly kinds: DeliveryKinds<TargetDirectory>;
  readonly retry: RetryPolicy;
  readonly dayMs: number;

  constructor(@Inject(CONFIG) config: DeliveryConfig) {
    this.kinds = loadDeliveryKinds(config.deliveryKindModules);
    this.retry = retryPolicy({ schedule: config.retrySchedule, jitterMs: config.retryJitterMs, maxRetryAfterMs: config.maxRetryAfterMs });
    this.dayMs = config.pushDayMs;
  }

  context(view: TargetDirectory): KindContext<TargetDirectory> {
    return { view, retry: this.retry, dayMs: this.dayMs };
  }
}

@Global()
@Module({ providers: [DeliveryKindsService], exports: [DeliveryKindsService] })
export class DeliveryKindsModule {}

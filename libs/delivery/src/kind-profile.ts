// A delivery kind as data: everything the dispatcher, the retry-scheduler and the log
// need to know about one kind of outbound request (webhooks, push notifications,
// custom-integration requests, hookup notifications, or a kind a deployment adds) in
// one object, looked up by name in a DeliveryKinds table. The services hold no
// `if (kind === …)`: a new kind is one profile plus the code that creates its
// deliveries.
import type { DeliveryKind, DispatchOrder, RegistryChange, RegistryEntity } from '@hookline/contracts';
import type { DeliveryPlan, RetryPolicy } from './delivery-plan';

/** What a profile may consult when it resolves a target: the registry as it is now, and the platform's defaults. */
export interface KindContext<V> {
  /** The registry view (receivers, accounts, units, push settings, ... as the stream has them now). */
  view: V;
  /** The configured retry policy (HOOKLINE_RETRY_SCHEDULE and its companions). */
  retry: RetryPolicy;
  /** The length of a "day" for settings counted in days (24 h; tests compress it). */
  dayMs: number;
}

/** A target resolved: the plan to send with now, or why the delivery can no longer go out. */
export type Resolution = { plan: DeliveryPlan } | { cancel: string };

/**
 * Expiry of undelivered deliveries that depends on a tenant's settings as they are now
 * (push notifications' notification_days_before): a waiting delivery past it is deleted
 * ("purged"), and a change of the setting applies to deliveries already waiting.
 */
export interface KindExpiry<V> {
  /** How long after creation a delivery of this tenant expires, as the settings are now. */
  afterMs(ctx: KindContext<V>, tenantId: string): number;
  /** The tenants whose expiry differs from `defaultAfterMs` (the sweep asks for each). */
  tenants(ctx: KindContext<V>): string[];
  defaultAfterMs(ctx: KindContext<V>): number;
  /** Whether a registry change may move the expiry of waiting deliveries (then they are checked at once). */
  changedBy(change: RegistryChange): boolean;
  /** The reason the log and the audit record give. */
  reason(ctx: KindContext<V>, tenantId: string): string;
  /** Each purge is also recorded as a change of this entity, one per tenant and target, saying how many and which. */
  auditEntity: RegistryEntity;
  /** What else that record says (the setting the expiry came from, in its own name). */
  auditDetail?(ctx: KindContext<V>, tenantId: string): Record<string, unknown>;
}

export interface DeliveryKindProfile<V = unknown> {
  readonly kind: DeliveryKind;
  /** What the log calls a target of this kind ("receiver", "push notification type"). */
  readonly targetNoun: string;
  /**
   * The plan for an order as the registry is now, so that a changed URL or secret applies
   * to waiting retries and a deleted or disabled target cancels them. Pure. The whole order:
   * a kind may judge a retry or a resend (attempt, manual, parked) by more than its target
   * (a webhook's by its topic and its object's unit).
   */
  resolve(ctx: KindContext<V>, order: DispatchOrder): Resolution;
  /**
   * A registry change that ends targets of this kind (a receiver deleted, a push type
   * removed): their waiting retries are cancelled at once, with the reason.
   */
  endsTarget?(change: RegistryChange): { target: string; reason: string } | undefined;
  expiry?: KindExpiry<V>;
  /**
   * What a caller needs, besides logs:read, to send a delivery of this kind again; with
   * `topicScoped` the grant must cover the delivery's source topic.
   */
  resend: { action: string; topicScoped: boolean };
  /**
   * A person waits for these (custom-integration background requests): the dispatcher
   * announces each attempt as it starts and the log pushes each state it records, on core
   * NATS (liveSubjects.delivery in @hookline/contracts), so the page can show progress.
   */
  live?: boolean;
}

export class UnknownDeliveryKindError extends Error {
  constructor(readonly kind: string) {
    super(`delivery kind "${kind}" is not registered here`);
    this.name = 'UnknownDeliveryKindError';
  }
}

/** The table every service looks kinds up in. */
export class DeliveryKinds<V = unknown> {
  private readonly byKind = new Map<string, DeliveryKindProfile<V>>();

  constructor(profiles: Iterable<DeliveryKindProfile<V>> = []) {
    for (const p of profiles) this.register(p);
  }

  register(profile: DeliveryKindProfile<V>): void {
    if (this.byKind.has(profile.kind)) throw new Error(`delivery kind "${profile.kind}" is registered twice`);
    this.byKind.set(profile.kind, profile);
  }

  get(kind: string): DeliveryKindProfile<V> {
    const p = this.byKind.get(kind);
    if (!p) throw new UnknownDeliveryKindError(kind);
    return p;
  }

  has(kind: string): boolean {
    return this.byKind.has(kind);
  }

  names(): string[] {
    return [...this.byKind.keys()];
  }

  all(): DeliveryKindProfile<V>[] {
    return [...this.byKind.values()];
  }
}

// Push notifications (seed: push-notifications.txt) as the registry publishes them in
// change events: the tenant's system parameters (entity "push-settings"), the catalogue
// of notification types ("push-type") and each type's enable flags, global or per unit
// ("push-flag"). The JWT never travels here: the signer holds it as a token-header
// credential. Also the one rule every service applies to the flags.
import { deliveryIdFor } from './delivery';
import type { HostEvent, HostEventObject } from './host-event';

/** Undelivered notifications are kept this many days unless notification_days_before says otherwise. */
export const DEFAULT_NOTIFICATION_DAYS_BEFORE = 7;

/** The signer keeps a tenant's notification_jwt under this credential id (scheme token-header). */
export const PUSH_JWT_CREDENTIAL_ID = 'push:jwt';

/** The entityId of a tenant's (single) push-settings entity. */
export const PUSH_SETTINGS_ENTITY_ID = 'global';

/**
 * The system parameters. Field names are the seed's own column names, so an
 * administrator who knows ServiceOptimizer's sp083_system_parameters recognises them.
 */
export interface PushSettingsView {
  tenant: string;
  /** Where every notification is POSTed; null until configured (nothing is sent then). */
  notification_server_url: string | null;
  /** Whether a JWT is configured (sent as `Authorization: <jwt>`); the JWT itself is never shown. */
  notification_jwt_set: boolean;
  /** Days an undelivered notification is kept (and retried); then it is deleted. */
  notification_days_before: number;
  createdAt: string | null;
  updatedAt: string | null;
}

/** One entry of a tenant's catalogue of notification types. */
export interface PushTypeView {
  tenant: string;
  /** e.g. appointment.booked */
  type: string;
  /** The host event topic that triggers it, e.g. Appointments.Booked. */
  topic: string;
  description: string | null;
  /** A JSON example of the notification's `data` (the host event's data), for documentation. */
  example: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

/** An explicit enable flag: global (unit null) or for one unit (and, by inheritance, the units below it). */
export interface PushFlagView {
  tenant: string;
  type: string;
  unit: string | null;
  enabled: boolean;
  updatedAt: string;
}

/** The flag's entityId in change events: "<type>@<unit>", or "<type>@*" for the global flag. */
export function pushFlagEntityId(type: string, unit: string | null): string {
  return `${type}@${unit ?? '*'}`;
}

/** The explicit flags of one type: the global one and the units that set their own. */
export interface PushFlags {
  global?: boolean;
  units: ReadonlyMap<string, boolean>;
}

/** Where an effective flag came from. */
export type PushFlagSource =
  /** The unit's own flag, or (inherited) the nearest ancestor's. */
  | { kind: 'unit'; unit: string; inherited: boolean }
  | { kind: 'global' }
  /** Nothing set anywhere: off. */
  | { kind: 'default' };

export interface EffectivePushFlag {
  enabled: boolean;
  source: PushFlagSource;
}

/**
 * The seed's rule: the unit's own value wins, else the nearest ancestor's, else the
 * global one, else off. `unitPath` runs from the root down to the object's unit (empty
 * or undefined for an object outside any unit, which only the global flag covers).
 */
export function resolvePushFlag(flags: PushFlags, unitPath: readonly string[] | undefined): EffectivePushFlag {
  const path = unitPath ?? [];
  for (let i = path.length - 1; i >= 0; i--) {
    const v = flags.units.get(path[i]);
    if (v !== undefined) return { enabled: v, source: { kind: 'unit', unit: path[i], inherited: i !== path.length - 1 } };
  }
  if (flags.global !== undefined) return { enabled: flags.global, source: { kind: 'global' } };
  return { enabled: false, source: { kind: 'default' } };
}

/** "the unit north (inherited)", "the global flag", "the default (off)". */
export function describePushFlagSource(s: PushFlagSource): string {
  switch (s.kind) {
    case 'unit':
      return s.inherited ? `the flag of the parent unit ${s.unit}` : `the flag of unit ${s.unit}`;
    case 'global':
      return 'the global flag';
    case 'default':
      return 'the default (off)';
  }
}

/**
 * Deterministic: a redelivered event yields the same notification, whichever dispatcher
 * handles it. `eventAt` is the event's receivedAt (deliveryIdFor: what orders the id of
 * an event whose id carries no time).
 */
export function pushDeliveryIdFor(eventId: string, type: string, eventAt?: string): string {
  // The key keeps the ids earlier versions derived, so an upgrade makes no second notification.
  return deliveryIdFor(eventId, `push:${type}`, eventAt);
}

/** How long an undelivered notification is kept, in ms, for a day of `dayMs` (24 h outside tests). */
export function pushExpiryMs(daysBefore: number, dayMs: number): number {
  return daysBefore * dayMs;
}

/**
 * What the notification server receives: the type (every type goes to the one URL),
 * the notification's id (the same on every retry), the event it came from, and the
 * host event's object and data. A type's catalogue entry documents its data.
 */
export interface PushNotificationBody {
  type: string;
  id: string;
  eventId: string;
  tenant: string;
  occurredAt: string;
  object: HostEventObject;
  data: Record<string, unknown>;
}

export function pushNotificationBody(type: string, event: HostEvent): PushNotificationBody {
  return {
    type,
    id: pushDeliveryIdFor(event.id, type, event.receivedAt),
    eventId: event.id,
    tenant: event.tenantId,
    occurredAt: event.receivedAt,
    object: event.object,
    data: event.data,
  };
}

// Which push notifications a host event triggers, and why the ones of its topic that are
// not sent are not. Pure: the registry view is the input. Every notification type mapped
// to the event's topic gets a decision; a type that is off where the object lives (or a
// tenant without a notification_server_url) is a "filtered" delivery with the reason, so
// the log answers "why was nothing sent?".
import { describePushFlagSource, pushNotificationBody, resolvePushFlag, type HostEvent, type PushFlagSource, type PushTypeView } from '@hookline/contracts';
import type { RegistryView } from '@hookline/registry-view';

export type PushDecision = { type: PushTypeView; send: true; url: string; source: PushFlagSource } | { type: PushTypeView; send: false; reason: string };

export function pushFanOut(view: RegistryView, event: HostEvent, types = view.pushTypesFor(event.tenantId, event.topic)): PushDecision[] {
  if (types.length === 0) return [];
  const settings = view.pushSettings(event.tenantId);
  const unitPath = event.object.unit ? view.unitPath(event.tenantId, event.object.unit) : undefined;
  const where = event.object.unit ? `unit ${event.object.unit}` : 'an object outside any unit';
  return [...types]
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
    .map((type): PushDecision => {
      const flag = resolvePushFlag(view.pushFlags(event.tenantId, type.type), unitPath);
      if (!flag.enabled) return { type, send: false, reason: `push notification type ${type.type} is disabled for ${where} by ${describePushFlagSource(flag.source)}` };
      const url = settings?.notification_server_url;
      if (!url) return { type, send: false, reason: 'notification_server_url is not set (PUT /v1/push/settings)' };
      return { type, send: true, url, source: flag.source };
    });
}

/** The JSON body of a push notification (the same bytes on every attempt). */
export function pushBody(type: string, event: HostEvent): string {
  return JSON.stringify(pushNotificationBody(type, event));
}

// Push notifications (push-notifications.txt): the target is a notification type; every
// type goes to the tenant's notification_server_url as it is now, with the JWT set now,
// the Success/Code/Message contract, and deletion of what was never delivered
// notification_days_before days after it was created (judged against the setting now).
import { DEFAULT_NOTIFICATION_DAYS_BEFORE, PUSH_JWT_CREDENTIAL_ID } from '@hookline/contracts';
import { pushNotificationProfile } from '../delivery-plan';
import type { DeliveryKindProfile, KindContext } from '../kind-profile';
import type { TargetDirectory } from './target-directory';

function daysBefore(view: TargetDirectory, tenantId: string): number {
  return view.pushSettings(tenantId)?.notification_days_before ?? DEFAULT_NOTIFICATION_DAYS_BEFORE;
}

/** Why an undelivered notification is deleted. */
export function pushExpiryReason(days: number): string {
  return `undelivered ${days} day${days === 1 ? '' : 's'} after it was created (notification_days_before=${days}); deleted`;
}

export const pushKind: DeliveryKindProfile<TargetDirectory> = {
  kind: 'push',
  targetNoun: 'push notification type',
  resolve({ view, retry, dayMs }, order) {
    if (!view.pushType(order.tenantId, order.target)) return { cancel: `the push notification type ${order.target} was removed` };
    const settings = view.pushSettings(order.tenantId);
    if (!settings?.notification_server_url) return { cancel: 'notification_server_url is no longer set' };
    const profile = pushNotificationProfile({
      ...(settings.notification_jwt_set ? { jwtCredentialId: PUSH_JWT_CREDENTIAL_ID } : {}),
      expireAfterDays: settings.notification_days_before,
      dayMs,
      retry,
    });
    return { plan: { ...profile, url: settings.notification_server_url } };
  },
  endsTarget: (c) => (c.entity === 'push-type' && c.action === 'deleted' ? { target: c.entityId, reason: `the push notification type ${c.entityId} was removed` } : undefined),
  expiry: {
    afterMs: ({ view, dayMs }: KindContext<TargetDirectory>, tenantId) => daysBefore(view, tenantId) * dayMs,
    tenants: ({ view }) => view.pushSettingsTenants(),
    defaultAfterMs: ({ dayMs }) => DEFAULT_NOTIFICATION_DAYS_BEFORE * dayMs,
    changedBy: (c) => c.entity === 'push-settings',
    reason: ({ view }, tenantId) => pushExpiryReason(daysBefore(view, tenantId)),
    auditEntity: 'push-notification',
    auditDetail: ({ view }, tenantId) => ({ notification_days_before: daysBefore(view, tenantId) }),
  },
  resend: { action: 'push:write', topicScoped: false },
};

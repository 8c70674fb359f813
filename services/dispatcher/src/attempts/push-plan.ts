// A tenant's push settings as a plan of the one outbound pipeline (the push-notification
// profile: `User-Agent: DataNotifier`, `Authorization: <jwt>` from the signer when one is
// set, the Success/Code/Message contract).
import { PUSH_JWT_CREDENTIAL_ID, type PushSettingsView } from '@hookline/contracts';
import { pushNotificationProfile, type DeliveryPlan } from '@hookline/delivery';

/** The plan for the tenant's notification server, or undefined while no URL is set. */
export function pushPlan(settings: PushSettingsView | undefined): DeliveryPlan | undefined {
  if (!settings?.notification_server_url) return undefined;
  return {
    ...pushNotificationProfile({
      ...(settings.notification_jwt_set ? { jwtCredentialId: PUSH_JWT_CREDENTIAL_ID } : {}),
      expireAfterDays: settings.notification_days_before,
    }),
    url: settings.notification_server_url,
  };
}

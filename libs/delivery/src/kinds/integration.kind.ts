// Custom-integration background requests (custom-integrations.txt, "Send HTTP request"):
// the target is an integration; GET with the payload in the query string or POST with it
// as form data, to the integration's URL as it is now, with its static headers and its
// verification hash from the signer, success on any 2xx. One attempt: the user who
// clicked waits on the page for the outcome, and a retry an hour later would be news to
// nobody (the log keeps every request; an administrator can resend one).
import { integrationCredentialIds, type IntegrationView } from '@hookline/contracts';
import { customIntegrationProfile } from '../delivery-plan';
import type { DeliveryKindProfile } from '../kind-profile';
import type { TargetDirectory } from './target-directory';

export const integrationKind: DeliveryKindProfile<TargetDirectory> = {
  kind: 'integration',
  targetNoun: 'custom integration',
  resolve({ view }, order) {
    const i = view.entity<IntegrationView>(order.tenantId, 'integration', order.target);
    if (!i) return { cancel: 'the custom integration no longer exists' };
    if (!i.enabled) return { cancel: 'the custom integration is disabled' };
    if (i.action !== 'background') return { cancel: `the custom integration no longer sends background requests (its action is now ${i.action})` };
    const ids = integrationCredentialIds(i.id);
    const profile = customIntegrationProfile({
      method: i.method,
      ...(i.headerNames.length > 0 ? { headersCredentialId: ids.headers, headerNames: i.headerNames } : {}),
      ...(i.verification ? { verificationCredentialId: ids.verification } : {}),
    });
    return { plan: { ...profile, url: i.url } };
  },
  endsTarget: (c) => (c.entity === 'integration' && c.action === 'deleted' ? { target: c.entityId, reason: 'the custom integration was deleted' } : undefined),
  // Sending a request again is changing what an integration receives: an administrator's call.
  resend: { action: 'integrations:write', topicScoped: false },
  live: true,
};

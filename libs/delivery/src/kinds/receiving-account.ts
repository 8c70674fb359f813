// Whether a receiver's account may receive an event as the registry is now: the one rule
// that fan-out applies to a new event and the webhook kind to every retry and resend, so
// what a delivery may still reach cannot differ between its first attempt and its later ones.
import { actionGranted, allows, topicsMatch, withinBound } from '@hookline/auth';
import type { AccountView, ReceiverView } from '@hookline/contracts';

/** What the rule reads from the registry (the registry view implements it; so does every TargetDirectory). */
export interface ReceivingAccounts {
  account(tenantId: string, id: string): AccountView | undefined;
  /** The unit and its ancestors, root first (an unknown unit is just itself). */
  unitPath(tenantId: string, unitId: string): string[];
}

/**
 * Why `receiver`'s account may not receive an event of `topic` about an object in `unit`
 * (undefined or "": an object outside any unit), or undefined when it may: the account
 * exists and is enabled, its grants allow webhooks:receive for the topic and the unit, and
 * so does the receiver's receiveBound (no further than whoever set the receiver up could
 * receive then). Pure; the reasons are the log's ("filtered" at fan-out, "cancelled" later).
 */
export function receiveRefusal(view: ReceivingAccounts, tenantId: string, receiver: ReceiverView, topic: string, unit: string | undefined): string | undefined {
  const account = view.account(tenantId, receiver.accountId);
  const who = account ? `account ${account.name} (${account.id})` : `account ${receiver.accountId}`;
  if (!account) return `the receiving ${who} does not exist`;
  if (!account.enabled) return `the receiving ${who} is disabled`;
  const topicGranted = account.grants.some((g) => actionGranted(g.actions, 'webhooks:receive') && topicsMatch(g.topics, topic));
  if (!topicGranted) return `${who} has no webhooks:receive grant for topic ${topic}`;
  const unitPath = unit ? view.unitPath(tenantId, unit) : undefined;
  if (!allows(account.grants, 'webhooks:receive', { topic, unitPath })) {
    return `${unit ? `unit ${unit}` : 'an object outside any unit'} is outside the units ${who} may receive webhooks for`;
  }
  // The account's grants as they are now, and no further than whoever set the receiver up could receive then.
  if (!withinBound(receiver.receiveBound, { topic, unitPath })) {
    const what = `topic ${topic} ${unit ? `in unit ${unit}` : 'outside any unit'}`;
    return `${what} is beyond the receiver's receiveBound: whoever registered it (or last changed its account, topics or URL) could not receive it then`;
  }
  return undefined;
}

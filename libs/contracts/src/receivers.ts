// Webhook receivers and the topic catalogue, as the registry publishes them in change
// events (entity "receiver" / "topic"). Secrets never travel here: the signer holds them.

/** How a receiver authenticates the webhooks it gets (seed §3.1, plus Standard Webhooks). */
export type ReceiverAuth =
  | { protocol: 'none' }
  | { protocol: 'websub'; algorithm: 'sha1' | 'sha256' | 'sha384' | 'sha512' }
  | { protocol: 'standard-webhooks' }
  | { protocol: 'oauth2'; tokenUrl: string; clientId: string; scope?: string; audience?: string };

/** One part of a receive bound: units (each with everything below it) × topic patterns. */
export interface ReceiveScope {
  units: '*' | string[];
  topics: '*' | string[];
}

export interface ReceiverView {
  id: string;
  tenant: string;
  name: string;
  url: string;
  /** Topic names or patterns (Accounts.* , Accounts.>) from the tenant's catalogue. */
  topics: string[];
  /** The API account that "receives": its grants decide which events this receiver may see. */
  accountId: string;
  /**
   * What the principal that registered the receiver (or last changed its account, topics
   * or URL) could receive itself then, limited to the receiver's topics: units × topics
   * with `webhooks:receive`. An event reaches the receiver only if both the receiving
   * account's current grants and this bound allow it, so granting the account more later
   * does not widen a receiver set up by someone narrower. null: registered by the
   * operator, no bound (also absent on receivers registered before bounds were recorded).
   */
  receiveBound?: ReceiveScope[] | null;
  auth: ReceiverAuth;
  enabled: boolean;
  /** Soft delete: no new deliveries, pending retries cancelled, still listed and its log readable. */
  deletedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * How long before a receiver's creation an event may have been stored (when JetStream
 * stored it) and still reach it: a receiver gets the events published from its creation
 * on. The two times come from two clocks (the registry instance's that created the
 * receiver, the nats-server's that stored the event), which may differ a little; an event
 * published after the receiver's 201 must never be missed for that.
 */
export const RECEIVER_CREATION_GRACE_MS = 1000;

export interface TopicView {
  tenant: string;
  /** A topic name, e.g. Accounts.Update. */
  name: string;
  description: string | null;
  /** A JSON example of the event's data, for documentation. */
  example: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

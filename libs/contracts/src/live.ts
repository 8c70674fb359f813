// Live updates of a delivery's state on core NATS (never stored: no stream covers
// hookline.live.>), for kinds whose profile is `live` (custom-integration background
// requests, which a user waits for on the page). The dispatcher says when an attempt
// starts; the audit-log says what it recorded. Whoever pushes a job's state to a browser
// subscribes to one delivery's subject. Losing one is harmless: the log has the state.

export type DeliveryLiveUpdate =
  /** The dispatcher is sending attempt `attempt` now. */
  | { type: 'sending'; deliveryId: string; tenantId: string; attempt: number; at: string }
  /** The delivery log recorded a fact: the delivery as the log now has it. */
  | {
      type: 'recorded';
      deliveryId: string;
      tenantId: string;
      status: string | null;
      attempts: number;
      lastStatusCode: number | null;
      lastErrorClass: string | null;
      statusReason: string | null;
      at: string;
    };

export const liveSubjects = {
  delivery: (tenantId: string, deliveryId: string) => `hookline.live.${tenantId}.${deliveryId}`,
} as const;

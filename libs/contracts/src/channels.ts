// The one typed map from a message channel (a family of subjects) to its payload type.
// Publishers and consumers take their payload types from here.
import type { DeliveryFactBatch, DeliveryLifecycleEvent, DispatchOrder, FailedOrder, ParkedBatch, ParkedOrder, ResendSucceeded } from './delivery';
import type { HostEvent } from './host-event';
import type { ListenerIngestMessage } from './listeners';
import type { RegistryChange } from './registry';

export interface ChannelMap {
  /** hookline.events.<tenant>.<topic> */
  'host-event': HostEvent;
  /** hookline.registry.<tenant>.<entity>.<action> */
  'registry-change': RegistryChange;
  /** hookline.delivery.<tenant>.<type> */
  'delivery-lifecycle': DeliveryLifecycleEvent;
  /** hookline.delivery.<tenant>.facts */
  'delivery-facts': DeliveryFactBatch;
  /** hookline.dispatch.due.<tenant> */
  'dispatch-due': DispatchOrder;
  /** hookline.dispatch.failed.<tenant> */
  'dispatch-failed': FailedOrder;
  /** hookline.dispatch.resent.<tenant> */
  'dispatch-resent': ResendSucceeded;
  /** hookline.dispatch.parked.<tenant>: a batch, or one order (as dispatchers before batches sent them) */
  'dispatch-parked': ParkedBatch | ParkedOrder;
  /** hookline.ingest.<tenant>.<listener>.<record> */
  'listener-ingest': ListenerIngestMessage;
}

export type Channel = keyof ChannelMap;
export type PayloadOf<C extends Channel> = ChannelMap[C];

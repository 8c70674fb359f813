// The platform's own delivery kinds. Integration requests and hookup notifications join
// this list as their capabilities land; a deployment may add kinds of its own
// (HOOKLINE_DELIVERY_KIND_MODULES).
import type { DeliveryKindProfile } from '../kind-profile';
import { hookupEmailKind, hookupKind } from './hookup.kind';
import { integrationKind } from './integration.kind';
import { pushKind } from './push.kind';
import type { TargetDirectory } from './target-directory';
import { webhookKind } from './webhook.kind';

export const PLATFORM_KINDS: readonly DeliveryKindProfile<TargetDirectory>[] = Object.freeze([webhookKind, pushKind, hookupKind, hookupEmailKind, integrationKind]);

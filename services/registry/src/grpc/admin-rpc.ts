// Every proto service of hookline.admin.v1 and the table that answers it (the server
// refuses to start if a proto service or one of its RPCs has no entry).
import type { RpcService } from '@hookline/grpc';
import { accountsRpc } from '../accounts/accounts.rpc';
import { installationsRpc, templatesRpc } from '../installations/installations.rpc';
import { integrationsRpc } from '../integrations/integrations.rpc';
import { listenerServicesRpc, listenersRpc } from '../listeners/listeners.rpc';
import { pushRpc } from '../push/push.rpc';
import { receiversRpc } from '../receivers/receivers.rpc';
import { tenantsRpc } from '../tenants/tenants.rpc';
import { topicsRpc } from '../topics/topics.rpc';
import { unitsRpc } from '../units/units.rpc';
import { usersRpc } from '../users/users.rpc';

export const ADMIN_RPC: readonly RpcService[] = [
  tenantsRpc,
  unitsRpc,
  usersRpc,
  accountsRpc,
  topicsRpc,
  receiversRpc,
  pushRpc,
  integrationsRpc,
  templatesRpc,
  installationsRpc,
  listenerServicesRpc,
  listenersRpc,
];

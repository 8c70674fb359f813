import { sameAccessAs, type RpcService } from '@hookline/grpc';
import { CreateReceiverDto, ListReceiversQuery, RotateSecretDto, UpdateReceiverDto } from './dto/receiver.dto';
import { ReceiversController } from './receivers.controller';
import { ReceiversService } from './receivers.service';

/** hookline.admin.v1.ReceiversService: the same service methods as REST /v1/receivers. */
export const receiversRpc: RpcService<ReceiversService> = {
  service: 'hookline.admin.v1.ReceiversService',
  provide: (get) => get(ReceiversService),
  methods: {
    ListReceivers: { access: sameAccessAs(ReceiversController, 'list'), run: async (s, c) => s.list(c.principal, await c.query(ListReceiversQuery)) },
    GetReceiver: { access: sameAccessAs(ReceiversController, 'get'), run: (s, c) => s.get(c.principal, c.tenant(), c.field('id')) },
    CreateReceiver: { access: sameAccessAs(ReceiversController, 'create'), run: async (s, c) => s.create(c.principal, await c.body(CreateReceiverDto)) },
    UpdateReceiver: { access: sameAccessAs(ReceiversController, 'update'), run: async (s, c) => s.update(c.principal, c.tenant(), c.field('id'), await c.body(UpdateReceiverDto, ['tenant', 'id'])) },
    DeleteReceiver: { access: sameAccessAs(ReceiversController, 'delete'), run: (s, c) => s.delete(c.principal, c.tenant(), c.field('id')) },
    RestoreReceiver: { access: sameAccessAs(ReceiversController, 'restore'), run: (s, c) => s.restore(c.principal, c.tenant(), c.field('id')) },
    RotateReceiverSecret: { access: sameAccessAs(ReceiversController, 'rotate'), run: async (s, c) => s.rotateSecret(c.principal, c.tenant(), c.field('id'), await c.body(RotateSecretDto, ['tenant', 'id'])) },
  },
};

import { sameAccessAs, type RpcService } from '@hookline/grpc';
import { CreateListenerServiceDto, ListListenersQuery, ListListenerServicesQuery, UpdateListenerServiceDto } from './dto/listener-service.dto';
import { CreateListenerDto, RegenerateTokenDto, UpdateListenerDto } from './dto/listener.dto';
import { ListenerServicesController } from './listener-services.controller';
import { ListenerServicesService } from './listener-services.service';
import { ListenersController } from './listeners.controller';
import { ListenersService } from './listeners.service';

/** hookline.admin.v1.ListenerServicesService: the same service methods as REST /v1/listener-services. */
export const listenerServicesRpc: RpcService<ListenerServicesService> = {
  service: 'hookline.admin.v1.ListenerServicesService',
  provide: (get) => get(ListenerServicesService),
  methods: {
    ListListenerServices: { access: sameAccessAs(ListenerServicesController, 'list'), run: async (s, c) => s.list(c.principal, await c.query(ListListenerServicesQuery)) },
    GetListenerService: { access: sameAccessAs(ListenerServicesController, 'get'), run: (s, c) => s.get(c.principal, c.tenant(), c.field('id')) },
    CreateListenerService: { access: sameAccessAs(ListenerServicesController, 'create'), run: async (s, c) => s.create(c.principal, await c.body(CreateListenerServiceDto)) },
    UpdateListenerService: {
      access: sameAccessAs(ListenerServicesController, 'update'),
      run: async (s, c) => s.update(c.principal, c.tenant(), c.field('id'), await c.body(UpdateListenerServiceDto, ['tenant', 'id'])),
    },
    DeleteListenerService: { access: sameAccessAs(ListenerServicesController, 'delete'), run: (s, c) => s.delete(c.principal, c.tenant(), c.field('id')) },
  },
};

/** hookline.admin.v1.ListenersService: the same service methods as REST /v1/listeners. */
export const listenersRpc: RpcService<ListenersService> = {
  service: 'hookline.admin.v1.ListenersService',
  provide: (get) => get(ListenersService),
  methods: {
    ListListeners: { access: sameAccessAs(ListenersController, 'list'), run: async (s, c) => s.list(c.principal, await c.query(ListListenersQuery)) },
    GetListener: { access: sameAccessAs(ListenersController, 'get'), run: (s, c) => s.get(c.principal, c.tenant(), c.field('id')) },
    CreateListener: { access: sameAccessAs(ListenersController, 'create'), run: async (s, c) => s.create(c.principal, await c.body(CreateListenerDto)) },
    UpdateListener: { access: sameAccessAs(ListenersController, 'update'), run: async (s, c) => s.update(c.principal, c.tenant(), c.field('id'), await c.body(UpdateListenerDto, ['tenant', 'id'])) },
    DeleteListener: { access: sameAccessAs(ListenersController, 'delete'), run: (s, c) => s.delete(c.principal, c.tenant(), c.field('id')) },
    RegenerateListenerToken: {
      access: sameAccessAs(ListenersController, 'regenerateToken'),
      run: async (s, c) => s.regenerateToken(c.principal, c.tenant(), c.field('id'), await c.body(RegenerateTokenDto, ['tenant', 'id'])),
    },
  },
};

import { sameAccessAs, type RpcService } from '@hookline/grpc';
import { CreateIntegrationDto, ListIntegrationsQuery, UpdateIntegrationDto } from './dto/integration.dto';
import { IntegrationsController } from './integrations.controller';
import { IntegrationsService } from './integrations.service';

/** hookline.admin.v1.IntegrationsService: the same service methods as REST /v1/integrations. */
export const integrationsRpc: RpcService<IntegrationsService> = {
  service: 'hookline.admin.v1.IntegrationsService',
  provide: (get) => get(IntegrationsService),
  methods: {
    ListIntegrations: { access: sameAccessAs(IntegrationsController, 'list'), run: async (s, c) => s.list(c.principal, await c.query(ListIntegrationsQuery)) },
    GetIntegration: { access: sameAccessAs(IntegrationsController, 'get'), run: (s, c) => s.get(c.principal, c.tenant(), c.field('id')) },
    CreateIntegration: { access: sameAccessAs(IntegrationsController, 'create'), run: async (s, c) => s.create(c.principal, await c.body(CreateIntegrationDto)) },
    UpdateIntegration: {
      access: sameAccessAs(IntegrationsController, 'update'),
      run: async (s, c) => s.update(c.principal, c.tenant(), c.field('id'), await c.body(UpdateIntegrationDto, ['tenant', 'id'])),
    },
    DeleteIntegration: { access: sameAccessAs(IntegrationsController, 'delete'), run: (s, c) => s.delete(c.principal, c.tenant(), c.field('id')) },
  },
};

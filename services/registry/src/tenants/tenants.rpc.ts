import { sameAccessAs, type RpcService } from '@hookline/grpc';
import { PageQuery } from '@hookline/http';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { UpdateTenantDto } from './dto/update-tenant.dto';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

/** hookline.admin.v1.TenantsService: the same service methods as REST /v1/tenants. */
export const tenantsRpc: RpcService<TenantsService> = {
  service: 'hookline.admin.v1.TenantsService',
  provide: (get) => get(TenantsService),
  methods: {
    ListTenants: { access: sameAccessAs(TenantsController, 'list'), run: async (s, c) => s.list(c.principal, await c.query(PageQuery)) },
    GetTenant: { access: sameAccessAs(TenantsController, 'get'), run: (s, c) => s.get(c.principal, c.field('id')) },
    CreateTenant: { access: sameAccessAs(TenantsController, 'create'), run: async (s, c) => s.create(c.principal, await c.body(CreateTenantDto)) },
    UpdateTenant: { access: sameAccessAs(TenantsController, 'update'), run: async (s, c) => s.update(c.principal, c.field('id'), await c.body(UpdateTenantDto, ['id'])) },
  },
};

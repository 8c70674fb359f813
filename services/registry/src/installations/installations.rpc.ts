import { sameAccessAs, type RpcService } from '@hookline/grpc';
import { InstallDto, ListInstallationsQuery } from './dto/installation.dto';
import { CreateTemplateDto, ListTemplatesQuery, UpdateTemplateDto } from './dto/template.dto';
import { InstallationsController } from './installations.controller';
import { InstallationsService } from './installations.service';
import { TemplatesController } from './templates.controller';
import { TemplatesService } from './templates.service';

/** hookline.admin.v1.TemplatesService: the same service methods as REST /v1/templates. */
export const templatesRpc: RpcService<TemplatesService> = {
  service: 'hookline.admin.v1.TemplatesService',
  provide: (get) => get(TemplatesService),
  methods: {
    ListTemplates: { access: sameAccessAs(TemplatesController, 'list'), run: async (s, c) => s.list(c.principal, await c.query(ListTemplatesQuery)) },
    GetTemplate: { access: sameAccessAs(TemplatesController, 'get'), run: (s, c) => s.get(c.principal, c.field('id')) },
    CreateTemplate: { access: sameAccessAs(TemplatesController, 'create'), run: async (s, c) => s.create(c.principal, await c.body(CreateTemplateDto)) },
    UpdateTemplate: { access: sameAccessAs(TemplatesController, 'update'), run: async (s, c) => s.update(c.principal, c.field('id'), await c.body(UpdateTemplateDto, ['id'])) },
    RetireTemplate: { access: sameAccessAs(TemplatesController, 'retire'), run: (s, c) => s.retire(c.principal, c.field('id')) },
  },
};

/** hookline.admin.v1.InstallationsService: the same service methods as REST /v1/installations. */
export const installationsRpc: RpcService<InstallationsService> = {
  service: 'hookline.admin.v1.InstallationsService',
  provide: (get) => get(InstallationsService),
  methods: {
    ListInstallations: { access: sameAccessAs(InstallationsController, 'list'), run: async (s, c) => s.list(c.principal, await c.query(ListInstallationsQuery)) },
    GetInstallation: { access: sameAccessAs(InstallationsController, 'get'), run: (s, c) => s.get(c.principal, c.tenant(), c.field('id')) },
    Install: { access: sameAccessAs(InstallationsController, 'install'), run: async (s, c) => s.install(c.principal, await c.body(InstallDto)) },
    EnableDepartment: { access: sameAccessAs(InstallationsController, 'enable'), run: (s, c) => s.enableDepartment(c.principal, c.tenant(), c.field('id'), c.field('unit')) },
    DisableDepartment: { access: sameAccessAs(InstallationsController, 'disable'), run: (s, c) => s.disableDepartment(c.principal, c.tenant(), c.field('id'), c.field('unit')) },
    RotateInstallationSecret: { access: sameAccessAs(InstallationsController, 'rotate'), run: (s, c) => s.rotateSecret(c.principal, c.tenant(), c.field('id')) },
    Uninstall: { access: sameAccessAs(InstallationsController, 'uninstall'), run: (s, c) => s.uninstall(c.principal, c.tenant(), c.field('id')) },
  },
};

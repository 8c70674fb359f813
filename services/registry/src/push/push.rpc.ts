import { sameAccessAs, type RpcService } from '@hookline/grpc';
import { PushSettingsQuery, UpdatePushSettingsDto } from './dto/push-settings.dto';
import { CreatePushTypeDto, ListPushTypesQuery, PushFlagQuery, SetPushFlagDto, UpdatePushTypeDto } from './dto/push-type.dto';
import { PushController } from './push.controller';
import { PushSettingsService } from './push-settings.service';
import { PushTypesService } from './push-types.service';

/** hookline.admin.v1.PushService: the same service methods as REST /v1/push. */
export const pushRpc: RpcService<{ settings: PushSettingsService; types: PushTypesService }> = {
  service: 'hookline.admin.v1.PushService',
  provide: (get) => ({ settings: get(PushSettingsService), types: get(PushTypesService) }),
  methods: {
    GetPushSettings: {
      access: sameAccessAs(PushController, 'getSettings'),
      run: async (s, c) => {
        const q = await c.query(PushSettingsQuery);
        return s.settings.get(c.principal, q.tenant, q.unit);
      },
    },
    UpdatePushSettings: { access: sameAccessAs(PushController, 'putSettings'), run: async (s, c) => s.settings.update(c.principal, await c.body(UpdatePushSettingsDto)) },
    ListPushTypes: { access: sameAccessAs(PushController, 'listTypes'), run: async (s, c) => s.types.list(c.principal, await c.query(ListPushTypesQuery)) },
    GetPushType: { access: sameAccessAs(PushController, 'getType'), run: (s, c) => s.types.get(c.principal, c.tenant(), c.field('type')) },
    CreatePushType: { access: sameAccessAs(PushController, 'createType'), run: async (s, c) => s.types.create(c.principal, await c.body(CreatePushTypeDto)) },
    UpdatePushType: { access: sameAccessAs(PushController, 'updateType'), run: async (s, c) => s.types.update(c.principal, c.tenant(), c.field('type'), await c.body(UpdatePushTypeDto, ['tenant', 'type'])) },
    DeletePushType: { access: sameAccessAs(PushController, 'deleteType'), run: (s, c) => s.types.delete(c.principal, c.tenant(), c.field('type')) },
    GetPushFlag: {
      access: sameAccessAs(PushController, 'getFlag'),
      run: async (s, c) => s.types.effective(c.principal, c.tenant(), c.field('type'), (await c.query(PushFlagQuery, ['type'])).unit),
    },
    SetPushFlag: {
      access: sameAccessAs(PushController, 'setFlag'),
      run: async (s, c) => {
        const dto = await c.body(SetPushFlagDto, ['tenant', 'type']);
        return s.types.setFlag(c.principal, c.tenant(), c.field('type'), { enabled: dto.enabled, unit: dto.unit });
      },
    },
    ClearPushFlag: {
      access: sameAccessAs(PushController, 'clearFlag'),
      run: async (s, c) => s.types.clearFlag(c.principal, c.tenant(), c.field('type'), (await c.query(PushFlagQuery, ['type'])).unit),
    },
  },
};

import { sameAccessAs, type RpcService } from '@hookline/grpc';
import { CreateUnitDto } from './dto/create-unit.dto';
import { ListUnitsQuery } from './dto/list-units.query';
import { UpdateUnitDto } from './dto/update-unit.dto';
import { UnitsController } from './units.controller';
import { UnitsService } from './units.service';

/** hookline.admin.v1.UnitsService: the same service methods as REST /v1/units. */
export const unitsRpc: RpcService<UnitsService> = {
  service: 'hookline.admin.v1.UnitsService',
  provide: (get) => get(UnitsService),
  methods: {
    ListUnits: { access: sameAccessAs(UnitsController, 'list'), run: async (s, c) => s.list(c.principal, await c.query(ListUnitsQuery)) },
    GetUnit: { access: sameAccessAs(UnitsController, 'get'), run: (s, c) => s.get(c.principal, c.tenant(), c.field('id')) },
    CreateUnit: { access: sameAccessAs(UnitsController, 'create'), run: async (s, c) => s.create(c.principal, await c.body(CreateUnitDto)) },
    UpdateUnit: { access: sameAccessAs(UnitsController, 'update'), run: async (s, c) => s.update(c.principal, c.tenant(), c.field('id'), await c.body(UpdateUnitDto, ['tenant', 'id'])) },
    DeleteUnit: { access: sameAccessAs(UnitsController, 'delete'), run: (s, c) => s.delete(c.principal, c.tenant(), c.field('id')) },
  },
};

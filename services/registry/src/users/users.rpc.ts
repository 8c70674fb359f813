import { sameAccessAs, type RpcService } from '@hookline/grpc';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** hookline.admin.v1.UsersService: the same service methods as REST /v1/users. */
export const usersRpc: RpcService<UsersService> = {
  service: 'hookline.admin.v1.UsersService',
  provide: (get) => get(UsersService),
  methods: {
    ListUsers: { access: sameAccessAs(UsersController, 'list'), run: async (s, c) => s.list(c.principal, await c.query(ListUsersQuery)) },
    GetUser: { access: sameAccessAs(UsersController, 'get'), run: (s, c) => s.get(c.principal, c.tenant(), c.field('id')) },
    CreateUser: { access: sameAccessAs(UsersController, 'create'), run: async (s, c) => s.create(c.principal, await c.body(CreateUserDto)) },
    UpdateUser: { access: sameAccessAs(UsersController, 'update'), run: async (s, c) => s.update(c.principal, c.tenant(), c.field('id'), await c.body(UpdateUserDto, ['tenant', 'id'])) },
    DeleteUser: { access: sameAccessAs(UsersController, 'delete'), run: (s, c) => s.delete(c.principal, c.tenant(), c.field('id')) },
  },
};

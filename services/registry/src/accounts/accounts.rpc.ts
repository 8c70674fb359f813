import { sameAccessAs, type RpcService } from '@hookline/grpc';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { CreateAccountDto } from './dto/create-account.dto';
import { ListAccountsQuery } from './dto/list-accounts.query';
import { UpdateAccountDto } from './dto/update-account.dto';

/** hookline.admin.v1.AccountsService: the same service methods as REST /v1/accounts. */
export const accountsRpc: RpcService<AccountsService> = {
  service: 'hookline.admin.v1.AccountsService',
  provide: (get) => get(AccountsService),
  methods: {
    ListAccounts: { access: sameAccessAs(AccountsController, 'list'), run: async (s, c) => s.list(c.principal, await c.query(ListAccountsQuery)) },
    GetAccount: { access: sameAccessAs(AccountsController, 'get'), run: (s, c) => s.get(c.principal, c.tenant(), c.field('id')) },
    CreateAccount: { access: sameAccessAs(AccountsController, 'create'), run: async (s, c) => s.create(c.principal, await c.body(CreateAccountDto)) },
    UpdateAccount: { access: sameAccessAs(AccountsController, 'update'), run: async (s, c) => s.update(c.principal, c.tenant(), c.field('id'), await c.body(UpdateAccountDto, ['tenant', 'id'])) },
    DeleteAccount: { access: sameAccessAs(AccountsController, 'delete'), run: (s, c) => s.delete(c.principal, c.tenant(), c.field('id')) },
    ResetCredentials: { access: sameAccessAs(AccountsController, 'resetCredentials'), run: (s, c) => s.resetCredentials(c.principal, c.tenant(), c.field('id')) },
  },
};

// The admin API over gRPC, black-box: a @grpc/grpc-js client built from the protos in
// libs/contracts talks to the registry (HOOKLINE_GRPC_PORT) of a running stack. It gets
// the same answers REST gives, with the same tokens and grants, errors as gRPC statuses
// with google.rpc details; health and server reflection answer, and one call is made with
// a client built only from what reflection returned.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer, loadSync } from '@grpc/proto-loader';
import { PROTO_ROOT } from '@hookline/contracts';
import { adminProtoFiles, decodeStatusDetails } from '@hookline/grpc';
import { assertProblem, createAccount, login, startTestStack, type TestStack } from '@hookline/testing';

type Message = Record<string, any>;
type Unary = (req: Message, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: Message) => void) => void;

/** The client decodes as a client would: the proto names, unset fields left out. */
const CLIENT_OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: false, oneofs: false, includeDirs: [PROTO_ROOT] };

function clients(address: string): Record<string, grpc.Client & Record<string, Unary>> {
  const definition = grpc.loadPackageDefinition(loadSync(adminProtoFiles(), CLIENT_OPTIONS)) as any;
  const v1 = definition.hookline.admin.v1;
  const out: Record<string, any> = {};
  for (const name of Object.keys(v1)) {
    if (typeof v1[name] === 'function' && v1[name].service) out[name] = new v1[name](address, grpc.credentials.createInsecure());
  }
  return out;
}

function bearer(token?: string): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return md;
}

function call(client: Record<string, Unary>, method: string, req: Message, token?: string): Promise<Message> {
  return new Promise((resolve, reject) => client[method].call(client, req, bearer(token), (err, res) => (err ? reject(err) : resolve(res ?? {}))));
}

async function failure(p: Promise<unknown>): Promise<{ code: number; message: string; details: Record<string, Record<string, any>> }> {
  try {
    await p;
  } catch (err) {
    const e = err as grpc.ServiceError;
    const bin = e.metadata?.get('grpc-status-details-bin')[0];
    assert.ok(Buffer.isBuffer(bin), `status ${e.code} (${e.details}) carries grpc-status-details-bin`);
    const decoded = decodeStatusDetails(bin);
    assert.equal(decoded.code, e.code, 'the google.rpc.Status agrees with the call status');
    return { code: e.code, message: e.details, details: decoded.details };
  }
  assert.fail('the call succeeded');
}

const ID = /^[a-z0-9]/;

describe('gRPC admin API', () => {
  let stack: TestStack;
  let c: ReturnType<typeof clients>;
  let op: string;

  before(async () => {
    stack = await startTestStack({ services: ['registry', 'signer'] });
    op = stack.operatorToken;
    c = clients(stack.grpcAddress);
  });

  after(async () => {
    for (const client of Object.values(c ?? {})) client.close();
    await stack?.stop();
  });

  it('answers the standard health service: SERVING for the server and each admin service', async () => {
    const health = grpc.loadPackageDefinition(loadSync(join(require.resolve('grpc-health-check'), '..', '..', '..', 'proto', 'health', 'v1', 'health.proto'), CLIENT_OPTIONS)) as any;
    const client = new health.grpc.health.v1.Health(stack.grpcAddress, grpc.credentials.createInsecure());
    try {
      for (const service of ['', 'hookline.admin.v1.UnitsService']) {
        const res = await new Promise<Message>((resolve, reject) => client.Check({ service }, (err: Error | null, r: Message) => (err ? reject(err) : resolve(r))));
        assert.equal(res.status, 'SERVING', `health of "${service}"`);
      }
    } finally {
      client.close();
    }
  });

  it('needs a token: none or a wrong one is UNAUTHENTICATED, with the problem type in ErrorInfo', async () => {
    for (const token of [undefined, 'not-a-token']) {
      const f = await failure(call(c.TenantsService, 'ListTenants', {}, token));
      assert.equal(f.code, grpc.status.UNAUTHENTICATED);
      assert.equal(f.details['google.rpc.ErrorInfo'].reason, 'unauthorized');
      assert.equal(f.details['google.rpc.ErrorInfo'].domain, 'hookline.dev');
    }
  });

  it('the operator creates, reads and updates through gRPC what REST then shows the same way', async () => {
    const tenant = await call(c.TenantsService, 'CreateTenant', { id: 'grpc-acme', name: 'Acme', base_url: 'https://api.acme.example' }, op);
    assert.equal(tenant.id, 'grpc-acme');
    assert.equal(tenant.base_url, 'https://api.acme.example');
    assert.equal(typeof tenant.provet_id, 'number');
    const rest = await stack.operator.get('/v1/tenants/grpc-acme');
    assert.equal(rest.status, 200);
    assert.deepEqual(
      { id: tenant.id, name: tenant.name, provetId: tenant.provet_id, baseUrl: tenant.base_url, createdAt: tenant.created_at, updatedAt: tenant.updated_at },
      rest.body,
    );
    // update_mask names base_url but leaves it unset: cleared, as null in a PATCH.
    const cleared = await call(c.TenantsService, 'UpdateTenant', { id: 'grpc-acme', name: 'Acme Inc', update_mask: { paths: ['name', 'base_url'] } }, op);
    assert.equal(cleared.name, 'Acme Inc');
    assert.equal(cleared.base_url, undefined);
    assert.equal((await stack.operator.get('/v1/tenants/grpc-acme')).body.baseUrl, null);

    await call(c.UnitsService, 'CreateUnit', { tenant: 'grpc-acme', id: 'north', name: 'North' }, op);
    const south = await call(c.UnitsService, 'CreateUnit', { tenant: 'grpc-acme', id: 'south', name: 'South', parent_id: 'north' }, op);
    assert.deepEqual(south.path, ['north', 'south']);
    const restUnit = (await stack.operator.get('/v1/units/south?tenant=grpc-acme')).body;
    assert.equal(restUnit.parentId, 'north');
    const list = await call(c.UnitsService, 'ListUnits', { tenant: 'grpc-acme', limit: 1 }, op);
    assert.equal(list.data.length, 1);
    assert.ok(list.next_cursor, 'a next page');
    const page2 = await call(c.UnitsService, 'ListUnits', { tenant: 'grpc-acme', limit: 1, cursor: list.next_cursor }, op);
    assert.equal(page2.data.length, 1);
    assert.notEqual(page2.data[0].id, list.data[0].id);

    // "*" or a list: google.protobuf.Value both ways.
    const user = await call(c.UsersService, 'CreateUser', { tenant: 'grpc-acme', id: 'ada', display_name: 'Ada', units: { stringValue: '*' } }, op);
    assert.equal(user.units.stringValue, '*');
    const narrowed = await call(c.UsersService, 'UpdateUser', { tenant: 'grpc-acme', id: 'ada', units: { listValue: { values: [{ stringValue: 'north' }] } } }, op);
    assert.deepEqual(narrowed.units.listValue.values.map((v: Message) => v.stringValue), ['north']);
    assert.deepEqual((await stack.operator.get('/v1/users/ada?tenant=grpc-acme')).body.units, ['north']);

    await call(c.TopicsService, 'CreateTopic', { tenant: 'grpc-acme', name: 'Orders.Paid', example: { fields: { amount: { numberValue: 12.5 }, tags: { listValue: { values: [{ stringValue: 'x' }] } } } } }, op);
    assert.deepEqual((await stack.operator.get('/v1/topics/Orders.Paid?tenant=grpc-acme')).body.example, { amount: 12.5, tags: ['x'] });

    await call(c.UnitsService, 'DeleteUnit', { tenant: 'grpc-acme', id: 'south' }, op);
    assert.equal((await stack.operator.get('/v1/units/south?tenant=grpc-acme')).status, 404);
  });

  it('bad input is INVALID_ARGUMENT with one BadRequest violation per field, as REST names them', async () => {
    const f = await failure(call(c.UnitsService, 'CreateUnit', { tenant: 'grpc-acme', id: 'bad id!', name: '' }, op));
    assert.equal(f.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(f.details['google.rpc.ErrorInfo'].reason, 'validation');
    const fields = (f.details['google.rpc.BadRequest'].fieldViolations as { field: string; description: string }[]).map((v) => v.field).sort();
    assert.deepEqual(fields, ['id', 'name']);
    const rest = await stack.operator.post('/v1/units', { tenant: 'grpc-acme', id: 'bad id!', name: '' });
    assert.deepEqual(fields, (rest.body.errors as { field: string }[]).map((e) => e.field).sort());

    const missing = await failure(call(c.UnitsService, 'GetUnit', { tenant: 'grpc-acme', id: 'nope' }, op));
    assert.equal(missing.code, grpc.status.NOT_FOUND);
    const taken = await failure(call(c.UnitsService, 'CreateUnit', { tenant: 'grpc-acme', id: 'north', name: 'Again' }, op));
    assert.equal(taken.code, grpc.status.ALREADY_EXISTS);
  });

  it('an access token has its grants over gRPC exactly as over REST', async () => {
    const created = await call(c.AccountsService, 'CreateAccount', { tenant: 'grpc-acme', name: 'reader', grants: [{ actions: ['units:read'], units: { stringValue: '*' } }] }, op);
    assert.match(created.credentials.token, /\S{20,}/);
    assert.equal(created.account.grants[0].units.stringValue, '*');
    const account = await createAccount(stack.operator, { tenant: 'grpc-acme', name: 'reader-2', grants: [{ actions: ['units:read'], units: ['north'] }] });
    const { body } = await login(stack.anonymous, account);
    const token = body.accessToken as string;
    assert.ok(token);

    const units = await call(c.UnitsService, 'ListUnits', {}, token);
    assert.deepEqual(units.data.map((u: Message) => u.id), ['north'], 'its own tenant, its own units');
    const write = await failure(call(c.UnitsService, 'CreateUnit', { id: 'west', name: 'West' }, token));
    assert.equal(write.code, grpc.status.PERMISSION_DENIED);
    assert.match(write.message, /units:write/);
    const operatorOnly = await failure(call(c.TenantsService, 'ListTenants', {}, token));
    assert.equal(operatorOnly.code, grpc.status.PERMISSION_DENIED);
    const otherTenant = await failure(call(c.UnitsService, 'GetUnit', { tenant: 'someone-else', id: 'north' }, token));
    assert.equal(otherTenant.code, grpc.status.NOT_FOUND);
  });

  it('receivers, push settings and flags, integrations, templates and listener services answer as REST does', async () => {
    const account = await call(c.AccountsService, 'CreateAccount', { tenant: 'grpc-acme', name: 'hooks', grants: [{ actions: ['webhooks:receive'], units: { stringValue: '*' } }] }, op);
    const r = await call(
      c.ReceiversService,
      'CreateReceiver',
      { tenant: 'grpc-acme', name: 'CRM', url: 'https://crm.example.com/hooks', topics: ['Orders.Paid'], account_id: account.account.id, auth: { protocol: 'websub', algorithm: 'sha256' } },
      op,
    );
    assert.match(r.secret, /\S{16,}/);
    assert.equal(r.receiver.auth.protocol, 'websub');
    const rest = (await stack.operator.get(`/v1/receivers/${r.receiver.id}?tenant=grpc-acme`)).body;
    assert.equal(rest.url, r.receiver.url);
    assert.deepEqual(rest.auth, { protocol: 'websub', algorithm: 'sha256' });
    const deleted = await call(c.ReceiversService, 'DeleteReceiver', { tenant: 'grpc-acme', id: r.receiver.id }, op);
    assert.ok(deleted.deleted_at);

    const settings = await call(c.PushService, 'UpdatePushSettings', { tenant: 'grpc-acme', notification_server_url: 'https://push.example.com/notify', notification_days_before: 3 }, op);
    assert.equal(settings.notification_server_url, 'https://push.example.com/notify');
    assert.equal((await stack.operator.get('/v1/push/settings?tenant=grpc-acme')).body.notification_days_before, 3);
    await call(c.PushService, 'CreatePushType', { tenant: 'grpc-acme', type: 'order_paid', topic: 'Orders.Paid' }, op);
    const flag = await call(c.PushService, 'SetPushFlag', { tenant: 'grpc-acme', type: 'order_paid', enabled: true, unit: 'north' }, op);
    assert.equal(flag.enabled, true);
    assert.deepEqual(flag.source, { kind: 'unit', unit: 'north', inherited: false });
    const restFlag = (await stack.operator.get('/v1/push/types/order_paid/enabled?tenant=grpc-acme&unit=north')).body;
    assert.deepEqual(restFlag, { type: 'order_paid', unit: 'north', enabled: true, source: { kind: 'unit', unit: 'north', inherited: false } });

    const integration = await call(
      c.IntegrationsService,
      'CreateIntegration',
      { tenant: 'grpc-acme', name: 'Sync to CRM', page: 'client', action: 'background', method: 'POST', url: 'https://crm.example.com/sync', parameter_name: 'id', headers: { 'X-Api-Key': 'k-123' } },
      op,
    );
    assert.deepEqual(integration.header_names, ['X-Api-Key']);
    assert.equal((await call(c.IntegrationsService, 'ListIntegrations', { tenant: 'grpc-acme' }, op)).data.length, 1);
    // An update that names no field changes nothing: refused over gRPC as REST refuses an empty PATCH.
    const empty = await failure(call(c.IntegrationsService, 'UpdateIntegration', { tenant: 'grpc-acme', id: integration.id, update_mask: { paths: [] } }, op));
    assert.equal(empty.code, grpc.status.INVALID_ARGUMENT);
    assert.deepEqual((empty.details['google.rpc.BadRequest'].fieldViolations as { field: string }[]).map((v) => v.field), ['body']);
    assertProblem(await stack.operator.patch(`/v1/integrations/${integration.id}?tenant=grpc-acme`, {}), 400, 'body');

    const template = await call(
      c.TemplatesService,
      'CreateTemplate',
      { name: 'Reports', channel: { kind: 'email', address: 'apps@reports.example' }, oauth: { grant_type: 'client_credentials', client_type: 'confidential', scopes: ['read'] } },
      op,
    );
    assert.match(template.template.id, ID);
    assert.equal((await stack.operator.get(`/v1/templates/${template.template.id}`)).body.channel.address, 'apps@reports.example');

    const group = await call(c.ListenerServicesService, 'CreateListenerService', { tenant: 'grpc-acme', name: 'shop' }, op);
    const groups = await call(c.ListenerServicesService, 'ListListenerServices', { tenant: 'grpc-acme' }, op);
    assert.deepEqual(groups.data.map((g: Message) => g.id), [group.id]);
  });

  it('server reflection lists the admin services, and a client built only from reflection makes a call', async () => {
    const reflection = grpc.loadPackageDefinition(loadSync(join(require.resolve('@grpc/reflection'), '..', '..', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto'), CLIENT_OPTIONS)) as any;
    const client = new reflection.grpc.reflection.v1.ServerReflection(stack.grpcAddress, grpc.credentials.createInsecure());
    const ask = (req: Message): Promise<Message> =>
      new Promise((resolve, reject) => {
        const stream = client.ServerReflectionInfo();
        stream.on('data', (res: Message) => {
          resolve(res);
          stream.end();
        });
        stream.on('error', reject);
        stream.write(req);
      });
    try {
      const listed = await ask({ list_services: '' });
      const names = (listed.list_services_response.service as { name: string }[]).map((s) => s.name);
      for (const n of ['hookline.admin.v1.TenantsService', 'hookline.admin.v1.ReceiversService', 'grpc.health.v1.Health']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
      const files = await ask({ file_containing_symbol: 'hookline.admin.v1.TenantsService' });
      const protos = files.file_descriptor_response.file_descriptor_proto as Buffer[];
      assert.ok(protos.length > 0);
      // A FileDescriptorSet is its files as field 1: tag, length, bytes each.
      const set = Buffer.concat(protos.flatMap((p) => [Buffer.from([0x0a]), varint(p.length), p]));
      const reflected = grpc.loadPackageDefinition(loadFileDescriptorSetFromBuffer(set, CLIENT_OPTIONS)) as any;
      const tenants = new reflected.hookline.admin.v1.TenantsService(stack.grpcAddress, grpc.credentials.createInsecure());
      try {
        const got = await call(tenants, 'GetTenant', { id: 'grpc-acme' }, op);
        assert.equal(got.name, 'Acme Inc');
      } finally {
        tenants.close();
      }
      // The older reflection API (v1alpha, what some clients still ask) answers the same.
      const alpha = grpc.loadPackageDefinition(loadSync(join(require.resolve('@grpc/reflection'), '..', '..', 'proto', 'grpc', 'reflection', 'v1alpha', 'reflection.proto'), CLIENT_OPTIONS)) as any;
      const alphaClient = new alpha.grpc.reflection.v1alpha.ServerReflection(stack.grpcAddress, grpc.credentials.createInsecure());
      try {
        const alphaListed = await new Promise<Message>((resolve, reject) => {
          const stream = alphaClient.ServerReflectionInfo();
          stream.on('data', (res: Message) => {
            resolve(res);
            stream.end();
          });
          stream.on('error', reject);
          stream.write({ list_services: '' });
        });
        assert.deepEqual((alphaListed.list_services_response.service as { name: string }[]).map((s) => s.name).sort(), [...names].sort());
      } finally {
        alphaClient.close();
      }
    } finally {
      client.close();
    }
  });
});

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdminGrpcServer } from '@hookline/grpc';
import { createLogger } from '@hookline/observability';
import { ADMIN_RPC } from './admin-rpc';

describe('the gRPC tables', () => {
  it('answer every RPC of every proto service in hookline.admin.v1, and name no other', () => {
    const server = new AdminGrpcServer({
      host: '127.0.0.1',
      port: 0,
      services: ADMIN_RPC.map((binding) => ({ binding, instance: {} })),
      admission: { admit: () => Promise.reject(new Error('not called')) },
      logger: createLogger({ service: 'test', version: '0', level: 'silent' }),
      ready: async () => true,
    });
    assert.equal(server.serviceNames.length, ADMIN_RPC.length);
  });

  it("take every method's access rule from a REST handler that exists", () => {
    for (const t of ADMIN_RPC) {
      for (const [name, m] of Object.entries(t.methods)) {
        const rule = m.access();
        assert.ok(['operator', 'requires', 'authenticated'].includes(rule.kind), `${t.service}.${name}: ${rule.kind}`);
      }
    }
  });

  it('ask for the grants REST asks for', () => {
    const rule = (service: string, method: string) => ADMIN_RPC.find((t) => t.service === `hookline.admin.v1.${service}`)?.methods[method].access();
    assert.deepEqual(rule('UnitsService', 'CreateUnit'), { kind: 'requires', actions: ['units:write'] });
    assert.deepEqual(rule('TopicsService', 'ListTopics'), { kind: 'requires', actions: ['receivers:read'] });
    assert.deepEqual(rule('TenantsService', 'CreateTenant'), { kind: 'operator' });
    assert.deepEqual(rule('PushService', 'SetPushFlag'), { kind: 'requires', actions: ['push:write'] });
  });
});

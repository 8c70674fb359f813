// The Kubernetes manifests must not drift from the code: every service has a
// Deployment with its probes, and the ingress routes exactly the public route table.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLIC_ROUTES, SERVICE_NAMES } from '@hookline/contracts';

const k8s = join(__dirname, '..', '..', 'deploy', 'k8s', 'base');

describe('deploy/k8s', () => {
  it('routes exactly the public route table', () => {
    const ingress = readFileSync(join(k8s, 'ingress.yaml'), 'utf8');
    const routes = [...ingress.matchAll(/path: (\S+), pathType: Prefix, backend: \{ service: \{ name: ([a-z-]+)/g)].map((m) => ({ prefix: m[1], service: m[2] }));
    assert.deepEqual(routes, PUBLIC_ROUTES.map((r) => ({ prefix: r.prefix, service: r.service })));
  });
  for (const name of SERVICE_NAMES) {
    it(`${name} has a Deployment with readiness and liveness probes`, () => {
      const text = readFileSync(join(k8s, `${name}.yaml`), 'utf8');
      assert.match(text, new RegExp(`services/${name}/src/main.ts`));
      assert.match(text, /readinessProbe:\s+httpGet: \{ path: \/ready/);
      assert.match(text, /livenessProbe:\s+httpGet: \{ path: \/health/);
      const kustomization = readFileSync(join(k8s, 'kustomization.yaml'), 'utf8');
      assert.match(kustomization, new RegExp(`- ${name}.yaml`));
    });
  }
});

// The Kubernetes deployment (deploy/k8s) must not drift from the code. Every overlay is
// rendered with `kubectl kustomize` and checked offline: every object against the
// Kubernetes schemas (kubernetes-models; the CloudNativePG and Barman Cloud objects
// against their CRDs' schemas, vendored in deploy/k8s/schemas), each service's
// environment against its config spec (services/<name>/src/config.ts: what it reads,
// what it needs, what is secret), each secret given only to the services that read it,
// the ingress against the route table (libs/contracts/src/routes.ts; /hooks/ unbuffered,
// with a body limit that fits the service's), and the probes, security context,
// autoscaling, disruption budgets, network policies, migrations, NATS and PostgreSQL
// settings the README's "On Kubernetes" promises. The lists come from the
// code, so a new variable or route makes this fail with what to add to the manifests.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { databaseConfig, type FieldSpec } from '@hookline/config';
import { PUBLIC_ROUTES, SERVICE_NAMES, type ServiceName } from '@hookline/contracts';
import { BACKGROUND_NODE_FLAGS, compiledServiceEntry, COMPILED_MIGRATE, REPO_ROOT, serviceNodeFlags } from '@hookline/local-stack';

const K8S = join(REPO_ROOT, 'deploy', 'k8s');
const OVERLAYS = readdirSync(join(K8S, 'overlays')).sort();
/** The stateless services, scaled by a HorizontalPodAutoscaler (issue 14). */
const AUTOSCALED: readonly ServiceName[] = ['registry', 'dispatcher', 'signer', 'webhook-listener'];
/** The services that send requests to addresses on the internet: deliveries, and OAuth2 token requests. */
const INTERNET_EGRESS: readonly ServiceName[] = ['dispatcher', 'signer'];
const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '127.0.0.0/8'];
const PRIVATE_V6 = ['fc00::/7', 'fe80::/10', '::1/128'];
/** Where each service serves /metrics (HOOKLINE_METRICS_PORT), for the monitoring namespace only. */
const METRICS_PORT = 9464;

/** The Ingress objects: the public API, and /hooks/ on its own (unbuffered). */
const INGRESSES = ['hookline', 'hookline-hooks'];

/** An nginx size ("128k", "1m", "65536") in bytes. */
function nginxSize(v: string | undefined): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(v ?? '');
  assert.ok(m, `an nginx size, such as 128k: ${v}`);
  return Number(m[1]) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[m[2].toLowerCase()];
}

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any };
type Spec = Record<string, FieldSpec<unknown> & { env: string }>;

function kubectl(): string {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `kubectl is needed to render deploy/k8s (kubectl kustomize) and was not found or does not run (${probe.error?.message ?? probe.stderr}). ` +
        'Install kubectl (https://kubernetes.io/docs/tasks/tools/), or on Debian: apt-get install kubectl from the Kubernetes apt repository.',
    );
  }
  return 'kubectl';
}

function render(overlay: string): K8sObject[] {
  const out = execFileSync(kubectl(), ['kustomize', join(K8S, 'overlays', overlay)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject).filter((o) => o);
}

/** Each service's config spec: the `*ConfigSpec` its config.ts exports. */
function serviceSpec(name: ServiceName): Spec {
  const mod = require(join(REPO_ROOT, 'services', name, 'src', 'config.ts')) as Record<string, unknown>;
  const specs = Object.entries(mod).filter(([k]) => k.endsWith('ConfigSpec'));
  assert.equal(specs.length, 1, `services/${name}/src/config.ts exports one *ConfigSpec`);
  return specs[0][1] as Spec;
}
const SPECS = Object.fromEntries(SERVICE_NAMES.map((n) => [n, serviceSpec(n)])) as Record<ServiceName, Spec>;
const reads = (spec: Spec) => new Set(Object.values(spec).map((f) => f.env));
const required = (spec: Spec) => Object.values(spec).filter((f) => f.default === undefined && !f.optional);

// ---- schemas -------------------------------------------------------------------------

/** A CRD's schema as the API server applies it: objects with declared properties take no others (the server would drop them silently). */
function closeObjects(schema: any): any {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeObjects(s)])) : closeObjects(v);
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

const crdValidators = new Map<string, ValidateFunction>();
{
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  for (const f of readdirSync(join(K8S, 'schemas')).filter((x) => x.endsWith('.json'))) {
    const crd = JSON.parse(readFileSync(join(K8S, 'schemas', f), 'utf8')) as { group: string; version: string; kind: string; schema: object };
    const schema = closeObjects(crd.schema);
    // metadata is the API server's, not the CRD's.
    schema.properties.metadata = { type: 'object' };
    crdValidators.set(`${crd.group}/${crd.version}/${crd.kind}`, ajv.compile(schema));
  }
}

function schemaProblems(o: K8sObject): string | undefined {
  const crd = crdValidators.get(`${o.apiVersion}/${o.kind}`);
  if (crd) return crd(o) ? undefined : JSON.stringify(crd.errors?.slice(0, 5));
  const path = `kubernetes-models/${o.apiVersion.includes('/') ? o.apiVersion : `v1`}/${o.kind}`;
  let Model: new (data: unknown) => { validate(): void };
  try {
    Model = (require(path) as Record<string, typeof Model>)[o.kind];
  } catch {
    return `no schema for ${o.apiVersion} ${o.kind} (neither kubernetes-models nor deploy/k8s/schemas has it)`;
  }
  try {
    new Model(o).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

// ---- helpers over the rendered objects -------------------------------------------------

const ofKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
const named = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);

function selects(selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && e.values?.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values?.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

interface Workload {
  name: string;
  kind: 'Deployment' | 'Job';
  pod: any;
  podLabels: Record<string, string>;
}
const workloads = (objs: K8sObject[]): Workload[] =>
  objs.filter((o) => o.kind === 'Deployment' || o.kind === 'Job').map((o) => ({ name: o.metadata.name, kind: o.kind as Workload['kind'], pod: o.spec.template.spec, podLabels: o.spec.template.metadata?.labels ?? {} }));

/** Every variable a container gets: name -> where from ('literal', 'configmap:<name>', 'secret:<name>/<key>'). */
function containerEnv(objs: K8sObject[], c: any, where: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const from of c.envFrom ?? []) {
    assert.ok(!from.secretRef, `${where} takes a whole Secret (${from.secretRef?.name}) with envFrom: name each variable it reads with secretKeyRef instead`);
    const cm = named(objs, 'ConfigMap', from.configMapRef.name);
    assert.ok(cm, `${where}: ConfigMap ${from.configMapRef.name} is not in the overlay`);
    for (const k of Object.keys(cm.data ?? {})) env.set(k, `configmap:${from.configMapRef.name}`);
  }
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    env.set(e.name, ref ? `secret:${ref.name}/${ref.key}` : e.valueFrom ? 'other' : 'literal');
  }
  return env;
}

/** The spec a container's environment is checked against: the service's own, or the migration runner's. */
function specFor(w: Workload, container: any): { spec: Spec; source: string } {
  const runsMigrate = (container.command ?? []).some((a: string) => a.endsWith('persistence/src/migrate.js'));
  if (runsMigrate) return { spec: databaseConfig as unknown as Spec, source: 'libs/persistence/src/migrate.ts (databaseConfig)' };
  assert.ok((SERVICE_NAMES as readonly string[]).includes(w.name), `${w.kind} ${w.name} runs ${JSON.stringify(container.command)}: neither a service nor the migration runner`);
  return { spec: SPECS[w.name as ServiceName], source: `services/${w.name}/src/config.ts` };
}

const containersOf = (w: Workload): { c: any; where: string }[] => [
  ...(w.pod.initContainers ?? []).map((c: any) => ({ c, where: `${w.kind} ${w.name}, init container ${c.name}` })),
  ...(w.pod.containers ?? []).map((c: any) => ({ c, where: `${w.kind} ${w.name}, container ${c.name}` })),
];

const natsValues = (file: string) => parseYaml(readFileSync(join(K8S, 'nats', file), 'utf8')) as any;

// ---- the tests --------------------------------------------------------------------------

describe('deploy/k8s', () => {
  it('has a dev and a production overlay', () => assert.deepEqual(OVERLAYS, ['dev', 'production']));

  for (const overlay of OVERLAYS) {
    describe(`overlay ${overlay}`, () => {
      const objs = render(overlay);
      const byService = (name: string) => named(objs, 'Deployment', name);

      it('renders, and every object is valid against its Kubernetes schema', () => {
        assert.ok(objs.length > 20, `${objs.length} objects`);
        const problems = objs.map((o) => [`${o.kind} ${o.metadata.name}`, schemaProblems(o)]).filter(([, p]) => p);
        assert.deepEqual(problems, []);
        for (const o of objs) if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'hookline', `${o.kind} ${o.metadata.name} in the hookline namespace`);
      });

      it('gives every container exactly the variables its config spec reads, and all it requires', () => {
        const problems: string[] = [];
        for (const w of workloads(objs)) {
          for (const { c, where } of containersOf(w)) {
            const { spec, source } = specFor(w, c);
            const env = containerEnv(objs, c, where);
            const known = reads(spec);
            for (const [name, from] of env) {
              if (!name.startsWith('HOOKLINE_')) problems.push(`${where} sets ${name} (${from}): only HOOKLINE_* settings are configuration`);
              else if (!known.has(name)) problems.push(`${where} sets ${name} (${from}), which ${source} does not read: remove it, or add it to the spec`);
            }
            for (const f of required(spec)) if (!env.has(f.env)) problems.push(`${where} lacks ${f.env}, which ${source} requires (${f.doc}): add it to its Deployment`);
            for (const f of Object.values(spec).filter((x) => x.secret)) {
              const from = env.get(f.env);
              if (from && !from.startsWith('secret:')) problems.push(`${where} gets the secret ${f.env} from ${from}: it must come from a Secret (secretKeyRef)`);
            }
          }
        }
        assert.deepEqual(problems, []);
      });

      it('mounts each secret only where it is read (the encryption key only into the registry and the signer)', () => {
        const holders = new Map<string, Set<string>>();
        for (const w of workloads(objs)) {
          for (const v of w.pod.volumes ?? []) assert.ok(!v.secret && !v.projected, `${w.kind} ${w.name} mounts a secret volume (${v.name})`);
          for (const { c, where } of containersOf(w)) {
            const { spec, source } = specFor(w, c);
            for (const [name, from] of containerEnv(objs, c, where)) {
              if (!from.startsWith('secret:')) continue;
              assert.ok(reads(spec).has(name), `${where} gets ${name} from ${from} but ${source} never reads it`);
              const secret = from.slice('secret:'.length).split('/')[0];
              holders.set(secret, new Set([...(holders.get(secret) ?? []), w.name]));
            }
          }
        }
        const readers = (env: string): string[] => SERVICE_NAMES.filter((n) => reads(SPECS[n]).has(env)).sort();
        assert.deepEqual([...(holders.get('hookline-encryption-key') ?? [])].sort(), readers('HOOKLINE_ENCRYPTION_KEY'));
        assert.deepEqual(readers('HOOKLINE_ENCRYPTION_KEY'), ['registry', 'signer']);
        assert.deepEqual([...(holders.get('hookline-operator-token') ?? [])].sort(), readers('HOOKLINE_OPERATOR_TOKEN'));
      });

      it('routes exactly the public route table at the ingress', () => {
        const ingresses = ofKind(objs, 'Ingress');
        assert.deepEqual(ingresses.map((i) => i.metadata.name).sort(), [...INGRESSES].sort());
        const rendered = ingresses.flatMap((i) => (i.spec.rules as any[]).flatMap((r) => r.http.paths.map((p: any) => ({ prefix: p.path, service: p.backend.service.name, pathType: p.pathType, port: p.backend.service.port.name }))));
        const expected = PUBLIC_ROUTES.map((r) => ({ prefix: r.prefix, service: r.service, pathType: 'Prefix', port: 'http' }));
        const line = (r: { prefix: string; service: string }) => `- { path: ${r.prefix}, pathType: Prefix, backend: { service: { name: ${r.service}, port: { name: http } } } }`;
        const missing = expected.filter((e) => !rendered.some((r) => r.prefix === e.prefix && r.service === e.service)).map(line);
        const extra = rendered.filter((r) => !expected.some((e) => r.prefix === e.prefix && r.service === e.service)).map(line);
        assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, 'deploy/k8s/base/ingress.yaml must route libs/contracts/src/routes.ts: add the missing lines, remove the extra ones');
        // Each route once (Kubernetes picks the longest matching prefix, whichever Ingress holds it).
        const order = (a: { prefix: string }, b: { prefix: string }) => a.prefix.localeCompare(b.prefix);
        assert.deepEqual([...rendered].sort(order), [...expected].sort(order));
        // One host and the same TLS on every Ingress: ingress-nginx merges them into one server.
        assert.equal(new Set(ingresses.flatMap((i) => i.spec.rules.map((r: any) => r.host))).size, 1, 'one host');
        assert.equal(new Set(ingresses.map((i) => JSON.stringify(i.spec.tls ?? null))).size, 1, 'the same TLS on every Ingress');
        assert.ok(ingresses.every((i) => i.spec.ingressClassName === 'nginx'));
        for (const r of expected) {
          const svc = named(objs, 'Service', r.service);
          assert.ok(svc?.spec.ports.some((p: any) => p.name === 'http' && p.targetPort === 'http'), `Service ${r.service} has a port named http`);
        }
      });

      it('streams /hooks/ bodies to webhook-listener unbuffered (the token is checked first), with a body limit that fits the service’s', () => {
        const holding = ofKind(objs, 'Ingress').filter((i) => i.spec.rules.some((r: any) => r.http.paths.some((p: any) => p.path === '/hooks/')));
        assert.deepEqual(holding.map((i) => i.metadata.name), ['hookline-hooks'], 'one Ingress holds /hooks/');
        const hooks = holding[0];
        assert.deepEqual(
          hooks.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => `${p.path} -> ${p.backend.service.name}`)),
          ['/hooks/ -> webhook-listener'],
          'the unbuffered Ingress holds /hooks/ only: the other paths keep nginx’s request buffering',
        );
        const annotations = hooks.metadata.annotations ?? {};
        assert.equal(annotations['nginx.ingress.kubernetes.io/proxy-request-buffering'], 'off', 'request buffering off: nginx passes the headers on before the body arrives');
        // The body limit: at least what the service takes (a body it accepts must pass), at
        // most twice that (nginx refuses a larger body without passing it on).
        const d = byService('webhook-listener');
        const main = d?.spec.template.spec.containers.find((c: any) => c.name === 'webhook-listener');
        const field = Object.values(SPECS['webhook-listener']).find((f) => f.env === 'HOOKLINE_LISTENER_MAX_BODY');
        assert.ok(field && typeof field.default === 'number', 'services/webhook-listener/src/config.ts reads HOOKLINE_LISTENER_MAX_BODY');
        const fromConfigMaps = (main.envFrom as any[]).map((f) => named(objs, 'ConfigMap', f.configMapRef.name)?.data?.HOOKLINE_LISTENER_MAX_BODY).find((v) => v !== undefined);
        const literal = (main.env ?? []).find((e: any) => e.name === 'HOOKLINE_LISTENER_MAX_BODY')?.value;
        const serviceLimit = field.parse(literal ?? fromConfigMaps ?? String(field.default)) as number;
        const ingressLimit = nginxSize(annotations['nginx.ingress.kubernetes.io/proxy-body-size']);
        assert.ok(ingressLimit >= serviceLimit && ingressLimit <= 2 * serviceLimit, `proxy-body-size ${ingressLimit} bytes for a service limit of ${serviceLimit}: between the two and twice it`);
        // Everything else keeps the default buffering.
        for (const i of ofKind(objs, 'Ingress').filter((x) => x !== hooks)) {
          assert.notEqual(i.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-request-buffering'], 'off', `${i.metadata.name} keeps request buffering`);
        }
      });

      for (const name of SERVICE_NAMES) {
        it(`${name}: runs the compiled build as non-root, with probes fitting its start, resources, its own ServiceAccount and a disruption budget`, () => {
          const d = byService(name);
          assert.ok(d, `a Deployment named ${name}`);
          const pod = d.spec.template.spec;
          const main = pod.containers.find((c: any) => c.name === name);
          assert.ok(main, `container ${name}`);
          assert.equal(main.command[0], 'node');
          assert.equal(main.command.at(-1), relative(REPO_ROOT, compiledServiceEntry(name)), 'runs the compiled entry point');
          assert.ok(!main.command.some((a: string) => a === '-r' || a.endsWith('.ts')), 'no TypeScript loader');
          for (const flag of serviceNodeFlags(name)) assert.ok(main.command.includes(flag), `runs with ${flag}, as the local stack and the image do`);
          for (const flag of BACKGROUND_NODE_FLAGS) {
            if (!serviceNodeFlags(name).includes(flag)) assert.ok(!main.command.includes(flag), `${name} answers requests: no ${flag}`);
          }
          const port = main.ports.find((p: any) => p.name === 'http');
          const env = containerEnv(objs, main, name);
          assert.equal(String(port?.containerPort), named(objs, 'ConfigMap', (main.envFrom as any[]).find((f) => f.configMapRef.name.startsWith('hookline-common')).configMapRef.name)?.data.HOOKLINE_LISTEN_PORT, 'the http port is HOOKLINE_LISTEN_PORT');
          assert.ok(env.has('HOOKLINE_LISTEN_PORT'));
          // Prometheus scrapes /metrics on the metrics port (HOOKLINE_METRICS_PORT), which the annotations name.
          const common = named(objs, 'ConfigMap', (main.envFrom as any[]).find((f) => f.configMapRef.name.startsWith('hookline-common')).configMapRef.name);
          const metricsPort = main.ports.find((p: any) => p.name === 'metrics');
          assert.equal(metricsPort?.containerPort, METRICS_PORT, 'a metrics port');
          assert.equal(common?.data.HOOKLINE_METRICS_PORT, String(METRICS_PORT), 'the metrics port is HOOKLINE_METRICS_PORT');
          assert.notEqual(common?.data.HOOKLINE_METRICS, 'false');
          assert.deepEqual(
            Object.fromEntries(Object.entries(d.spec.template.metadata.annotations ?? {}).filter(([k]) => k.startsWith('prometheus.io/'))),
            { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(METRICS_PORT), 'prometheus.io/path': '/metrics' },
            'Prometheus scrape annotations',
          );
          assert.deepEqual(main.startupProbe.httpGet, { path: '/health', port: 'http' });
          assert.deepEqual(main.readinessProbe.httpGet, { path: '/ready', port: 'http' });
          assert.deepEqual(main.livenessProbe.httpGet, { path: '/health', port: 'http' });
          // The services whose view of the registry is replayed before they listen get minutes, the others one.
          const replays = reads(SPECS[name]).has('HOOKLINE_REGISTRY_SKIP');
          const budget = main.startupProbe.periodSeconds * main.startupProbe.failureThreshold;
          assert.ok(replays ? budget >= 300 : budget >= 60, `${name}'s startup probe allows ${budget} s`);
          assert.ok(main.resources.requests.cpu && main.resources.requests.memory && main.resources.limits.memory, 'resources');

          assert.equal(pod.securityContext.runAsNonRoot, true);
          assert.ok(pod.securityContext.runAsUser > 0);
          assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
          for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
            assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${c.name}: no privilege escalation`);
            assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${c.name}: read-only root filesystem`);
            assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], `${c.name}: drops every capability`);
            assert.notEqual(c.securityContext.privileged, true);
          }

          assert.equal(pod.serviceAccountName, name);
          const sa = named(objs, 'ServiceAccount', name);
          assert.ok(sa, `ServiceAccount ${name}`);
          assert.equal(sa.automountServiceAccountToken, false);
          assert.equal(pod.automountServiceAccountToken, false);

          const pdbs = ofKind(objs, 'PodDisruptionBudget').filter((p) => selects(p.spec.selector, d.spec.template.metadata.labels));
          assert.equal(pdbs.length, 1, 'one PodDisruptionBudget');

          const hpa = ofKind(objs, 'HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === name);
          if (AUTOSCALED.includes(name)) {
            assert.ok(hpa, `${name} has a HorizontalPodAutoscaler`);
            assert.equal(d.spec.replicas, undefined, 'the autoscaler alone sets replicas');
            assert.ok(hpa.spec.maxReplicas >= hpa.spec.minReplicas);
          } else {
            assert.equal(hpa, undefined);
            assert.ok(d.spec.replicas >= 1);
          }

          const wait = (pod.initContainers ?? []).find((c: any) => c.command.includes('--wait'));
          assert.ok(wait, 'an init container holds the pod until the schema is current');
          assert.equal(wait.command.find((a: string) => a.endsWith('migrate.js')), relative(REPO_ROOT, COMPILED_MIGRATE));
        });
      }

      it('runs the migrations in one Job, once, with the compiled runner', () => {
        const jobs = ofKind(objs, 'Job');
        assert.equal(jobs.length, 1);
        const job = jobs[0];
        assert.ok((job.spec.parallelism ?? 1) === 1 && (job.spec.completions ?? 1) === 1, 'one pod at a time');
        const c = job.spec.template.spec.containers[0];
        assert.deepEqual(c.command, ['node', relative(REPO_ROOT, COMPILED_MIGRATE)]);
        assert.equal(job.spec.template.spec.securityContext.runAsNonRoot, true);
        assert.ok(named(objs, 'ServiceAccount', job.spec.template.spec.serviceAccountName));
      });

      it('lets only the ingress controller reach the HTTP services, the monitoring namespace only the metrics port, every pod reach DNS and PostgreSQL, the services NATS, and only the dispatcher and signer the internet', () => {
        const policies = ofKind(objs, 'NetworkPolicy');
        const ws = workloads(objs);
        const selecting = (w: Workload, type: 'Ingress' | 'Egress') => policies.filter((p) => p.spec.policyTypes.includes(type) && selects(p.spec.podSelector, w.podLabels));
        const egressTo = (w: Workload, port: number) => selecting(w, 'Egress').some((p) => (p.spec.egress ?? []).some((r: any) => (r.ports ?? []).some((x: any) => x.port === port)));
        const publicServices: string[] = [...new Set(PUBLIC_ROUTES.map((r) => r.service))].sort();
        for (const w of ws) {
          assert.ok(selecting(w, 'Ingress').some((p) => !p.spec.ingress) && selecting(w, 'Egress').some((p) => !p.spec.egress), `${w.name}: denied by default`);
          assert.ok(egressTo(w, 53), `${w.name} reaches DNS`);
          assert.ok(egressTo(w, 5432), `${w.name} reaches PostgreSQL`);
          const isService = (SERVICE_NAMES as readonly string[]).includes(w.name);
          assert.equal(egressTo(w, 4222), isService, `${w.name} ${isService ? 'reaches' : 'does not reach'} NATS`);
          const allIngress = selecting(w, 'Ingress').flatMap((p) => p.spec.ingress ?? []);
          // The monitoring namespace's rule: the metrics port alone, for every service.
          const isMetricsRule = (r: any) => (r.ports ?? []).length > 0 && r.ports.every((x: any) => x.port === METRICS_PORT) && r.from?.every((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring' && !f.podSelector);
          const metricsRules = allIngress.filter(isMetricsRule);
          assert.equal(metricsRules.length, isService ? 1 : 0, `${w.name}: ${isService ? 'the monitoring namespace reaches its metrics port' : 'no metrics rule'}`);
          const ingressRules = allIngress.filter((r: any) => !isMetricsRule(r));
          for (const r of ingressRules) assert.ok(!(r.ports ?? []).some((x: any) => x.port === METRICS_PORT), `${w.name}: the metrics port is open to the monitoring namespace only`);
          if (publicServices.includes(w.name)) {
            assert.ok(ingressRules.length > 0, `${w.name} is reachable from the ingress controller`);
            for (const r of ingressRules) assert.deepEqual(r.from.map((f: any) => Object.keys(f)), [['namespaceSelector']], `${w.name} accepts only the ingress controller's namespace`);
          } else {
            assert.deepEqual(ingressRules, [], `${w.name} accepts no connections`);
          }
          const internet = selecting(w, 'Egress').flatMap((p) => (p.spec.egress ?? []).flatMap((r: any) => (r.to ?? []).filter((t: any) => t.ipBlock)));
          if (INTERNET_EGRESS.includes(w.name as ServiceName)) {
            const v4 = internet.find((t: any) => t.ipBlock.cidr === '0.0.0.0/0');
            const v6 = internet.find((t: any) => t.ipBlock.cidr === '::/0');
            assert.ok(v4 && v6, `${w.name} reaches the internet`);
            for (const cidr of PRIVATE_V4) assert.ok(v4.ipBlock.except.includes(cidr), `${w.name}: not ${cidr}`);
            for (const cidr of PRIVATE_V6) assert.ok(v6.ipBlock.except.includes(cidr), `${w.name}: not ${cidr}`);
          } else {
            assert.deepEqual(internet, [], `${w.name} has no way out to the internet`);
          }
        }
      });

      it('points every service at the CloudNativePG cluster\'s primary (its -app secret) and sizes NATS and the streams together', () => {
        const clusters = objs.filter((o) => o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/'));
        assert.equal(clusters.length, 1);
        const pg = clusters[0];
        for (const w of workloads(objs)) {
          for (const { c, where } of containersOf(w)) assert.equal(containerEnv(objs, c, where).get('HOOKLINE_DATABASE_URL'), `secret:${pg.metadata.name}-app/uri`, `${where}: the uri CloudNativePG keeps, which names ${pg.metadata.name}-rw`);
        }
        const common = ofKind(objs, 'ConfigMap').find((m) => m.metadata.name.startsWith('hookline-common'));
        const replicas = Number(common?.data.HOOKLINE_STREAM_REPLICAS);
        const values = natsValues(overlay === 'production' ? 'values.yaml' : 'values-dev.yaml');
        assert.equal(values.config.jetstream.enabled, true);
        assert.equal(values.config.jetstream.fileStore.enabled, true, 'JetStream on disk');
        assert.equal(values.config.jetstream.memoryStore.enabled, false);
        if (overlay === 'production') {
          assert.equal(pg.spec.instances, 3);
          assert.equal(values.config.cluster.enabled, true);
          assert.equal(values.config.cluster.replicas, 3);
          assert.equal(replicas, 3, 'every stream on all three NATS servers');
          const plugin = pg.spec.plugins?.find((p: any) => p.isWALArchiver);
          assert.ok(plugin, 'continuous backup (WAL archiving) configured');
          const store = named(objs, 'ObjectStore', plugin.parameters.barmanObjectName);
          assert.ok(store?.spec.configuration.destinationPath, 'the ObjectStore the backups go to');
          assert.ok(ofKind(objs, 'ScheduledBackup').some((b) => b.spec.cluster.name === pg.metadata.name), 'a scheduled base backup');
        } else {
          assert.equal(values.config.cluster.enabled, false);
          assert.equal(replicas, 1, 'a single NATS server holds one copy');
        }
      });
    });
  }
});

// `npm run build` builds what the image runs: every service and every library they may
// load has an Nx `build` target (the target's command comes from nx.json's
// targetDefaults), and the image's Dockerfile runs that build and ships its output only.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, SERVICE_ENV, serviceNodeFlags } from '@hookline/local-stack';

/** Tooling the image never runs: the test helpers, the one-machine launcher and the OpenAPI generator (build time). */
const NOT_SHIPPED = ['libs/testing', 'libs/local-stack', 'libs/api-docs'];

describe('the compiled build', () => {
  const projects = ['services', 'libs'].flatMap((d) => readdirSync(join(REPO_ROOT, d)).map((p) => `${d}/${p}`)).filter((p) => existsSync(join(REPO_ROOT, p, 'project.json')));

  it('finds the projects', () => assert.ok(projects.includes('services/registry') && projects.includes('libs/contracts'), projects.join(', ')));

  for (const p of projects.filter((x) => !NOT_SHIPPED.includes(x))) {
    it(`${p} has a build target`, () => {
      const project = JSON.parse(readFileSync(join(REPO_ROOT, p, 'project.json'), 'utf8')) as { targets?: Record<string, unknown> };
      assert.ok(project.targets?.build, `${p}/project.json needs "targets": { "build": {} } so that npm run build compiles it (nx.json's targetDefaults say how)`);
    });
  }

  it('nx.json builds each project with deploy/build/compile.mjs, after its dependencies, cached', () => {
    const nx = JSON.parse(readFileSync(join(REPO_ROOT, 'nx.json'), 'utf8')) as { targetDefaults: Record<string, { options?: { command?: string }; dependsOn?: string[]; cache?: boolean; outputs?: string[] }> };
    const build = nx.targetDefaults.build;
    assert.equal(build.options?.command, 'node deploy/build/compile.mjs {projectRoot}');
    assert.deepEqual(build.dependsOn, ['^build']);
    assert.equal(build.cache, true);
    assert.deepEqual(build.outputs, ['{workspaceRoot}/dist/{projectRoot}']);
  });

  it('the image is built in stages, ships only the build and the production dependencies, and runs it as non-root with plain node', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'deploy', 'docker', 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    assert.ok(stages.length >= 2, 'multi-stage');
    const runtime = stages.at(-1) ?? '';
    assert.match(dockerfile, /RUN npm run build/);
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.deepEqual(
      [...runtime.matchAll(/^COPY (.+)$/gm)].map((m) => m[1]),
      ['--from=deps /app/node_modules ./node_modules', 'package.json ./', '--from=build /src/dist ./dist'],
      'the last stage copies the production node_modules, package.json and dist/, nothing else',
    );
    assert.match(runtime, /^USER [1-9]\d*:[1-9]\d*$/m, 'a numeric non-root user (runAsNonRoot can check it)');
    const cmd = /^CMD (.+)$/m.exec(runtime)?.[1] ?? '';
    // The same V8 flags as the local stack gives the service it runs (libs/local-stack service-process.ts).
    assert.deepEqual(JSON.parse(cmd), ['node', ...serviceNodeFlags('registry'), 'dist/services/registry/src/main.js']);
    // And the same environment (MALLOC_ARENA_MAX): the Deployments run this image.
    assert.ok(Object.keys(SERVICE_ENV).length > 0);
    for (const [k, v] of Object.entries(SERVICE_ENV)) assert.match(runtime, new RegExp(`^ENV ${k}=${v}$`, 'm'), `ENV ${k}=${v}`);
    assert.doesNotMatch(runtime, /swc|ts-node|tsx|\.ts"/, 'no TypeScript loader');
  });
});

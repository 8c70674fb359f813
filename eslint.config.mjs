import nx from '@nx/eslint-plugin';

// Which projects may import which, by tag. A dependency must satisfy every constraint
// whose source tag the importing project has.
const depConstraints = [
  // Services compose libraries; they never import each other or the test tooling.
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:lib', 'type:tooling'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:tooling'] },
  // The leaves: shared vocabulary with no dependencies of their own.
  { sourceTag: 'scope:contracts', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:config', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:observability', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:messaging', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:observability'] },
  { sourceTag: 'scope:persistence', onlyDependOnLibsWithTags: ['scope:config', 'scope:observability'] },
  { sourceTag: 'scope:http', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:config', 'scope:observability', 'scope:auth'] },
  // Grant matching, credentials and token verification: pure, shared by every service.
  { sourceTag: 'scope:auth', onlyDependOnLibsWithTags: ['scope:contracts'] },
  // The outbound pipeline: pure policy (delivery) and the one SSRF-safe HTTP client (egress).
  // Delivery reads grant matching (auth) for the webhook kind's receiving-account rule.
  { sourceTag: 'scope:delivery', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:config', 'scope:auth'] },
  // The registry as an in-memory view (dispatcher, retry-scheduler): it implements the delivery kinds' TargetDirectory.
  { sourceTag: 'scope:registry-view', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:config', 'scope:messaging', 'scope:observability', 'scope:delivery'] },
  { sourceTag: 'scope:egress', onlyDependOnLibsWithTags: ['scope:delivery', 'scope:config', 'scope:observability'] },
  // The web component a host page embeds: browser code, bundled alone. Its spec checks it
  // agrees with the contracts; the element itself imports no lib (Node modules would break the bundle).
  { sourceTag: 'scope:integration-buttons', onlyDependOnLibsWithTags: ['scope:contracts'] },
  // Inbound listeners' tables: pure generation, migration, record mapping and SQL text.
  { sourceTag: 'scope:listener-tables', onlyDependOnLibsWithTags: ['scope:contracts'] },
  // The admin console: a browser app bundled by Vite; it talks to the platform only over the
  // REST API. Its spec checks its list of actions against @hookline/auth; the app itself
  // imports no lib (Node modules would break the bundle).
  { sourceTag: 'scope:console', onlyDependOnLibsWithTags: ['scope:auth'] },
  // The admin API over gRPC: the protos (contracts) answered through the HTTP edge's auth, validation and problems.
  { sourceTag: 'scope:grpc', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:http', 'scope:observability'] },
];

// Tests (unit and integration, beside the code) may also use the test tooling: the
// local stack (nats-server, PostgreSQL) and the test helpers.
const TEST_TOOLING = ['type:tooling', 'scope:testing', 'scope:local-stack'];
const testDepConstraints = depConstraints.map((c) => ({ ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, ...TEST_TOOLING] }));

// deploy/local/nats-debian.mjs is plain Node that runs before npm ci (it belongs to no
// project); the bench and its unit test import it too.
const boundaryOptions = { enforceBuildableLibDependency: false, banTransitiveDependencies: false, allow: ['/deploy/local/nats-debian\\.mjs$'] };

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/node_modules', '**/dist', '.data', 'bench/results', '.nx'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { ...boundaryOptions, depConstraints }],
      // Configuration is read and validated once, by @hookline/config.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through @hookline/config.' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.integration.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', { ...boundaryOptions, depConstraints: testDepConstraints }] },
  },
  {
    files: ['**/*.mjs', 'bench/**', 'test/**', 'libs/testing/**', 'libs/local-stack/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
];

// `npm run build:buttons`: writes the <hookline-integrations> bundle to
// libs/integration-buttons/dist/ for hosting it elsewhere (a CDN); the registry builds
// the same bundle in memory and serves it at /integration-buttons/hookline-integrations.js.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
require('@swc-node/register');
const { buildIntegrationButtons, BUNDLE_FILE_NAME } = require('./src/index.ts');
const { code } = await buildIntegrationButtons();
mkdirSync(join(here, 'dist'), { recursive: true });
writeFileSync(join(here, 'dist', BUNDLE_FILE_NAME), code);
console.log(`wrote ${join('libs/integration-buttons/dist', BUNDLE_FILE_NAME)} (${code.length} bytes)`);

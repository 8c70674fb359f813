// `npm run build:buttons`: writes the <hookline-integrations> bundle to
// libs/integration-buttons/dist/ for hosting it elsewhere (a CDN). `npm run build` runs it
// with the compiled library's folder as the argument: the compiled registry serves the
// bundle from there (loadIntegrationButtons), having no TypeScript to bundle at run time;
// from TypeScript the registry builds the same bundle in memory.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
require('@swc-node/register');
const { buildIntegrationButtons, BUNDLE_FILE_NAME } = require('./src/index.ts');
const { code } = await buildIntegrationButtons();
const outDir = process.argv[2] ?? join(here, 'dist');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, BUNDLE_FILE_NAME), code);
console.log(`wrote ${join(outDir, BUNDLE_FILE_NAME)} (${code.length} bytes)`);

// `npm run openapi`: writes libs/contracts/src/openapi/hookline.openapi.json from the code.
// `npm run openapi -- --check`: fails if the committed document is not what the code says.
//
// Each service that answers public routes is described in a child process of its own,
// loaded by path as the local stack starts it by path (services/<name>/src/app.module.ts
// and config.ts; each keeps its own class-validator metadata, and nothing imports a
// service); the handlers' return types are read with the TypeScript checker here. The document is generated at build time and committed rather than built
// by a running service: a service cannot see the others' controllers, the TypeScript
// compiler is not in the production image, and a committed document makes every API
// change visible in review and lets client generators use it without starting anything.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENAPI_DOCUMENT_FILE, PUBLIC_ROUTES } from '@hookline/contracts';
import { assembleDocument } from './assemble';
import { readResponseTypes } from './response-types';
import type { JsonSchema } from './schema-refs';
import type { ServicePart } from './service-part';

const root = join(__dirname, '..', '..', '..');

/** The services the public routes lead to. */
export function describedServices(): string[] {
  return [...new Set(PUBLIC_ROUTES.map((r) => r.service))].sort();
}

/** The child's program: the service's AppModule.forRoot and its config spec (the export named *ConfigSpec). */
function describeScript(service: string, out: string): string {
  const dir = join(root, 'services', service, 'src');
  return [
    `const config = require(${JSON.stringify(join(dir, 'config.ts'))});`,
    `const specs = Object.keys(config).filter((k) => k.endsWith('ConfigSpec'));`,
    `if (specs.length !== 1) throw new Error(${JSON.stringify(`services/${service}/src/config.ts must export one *ConfigSpec`)});`,
    `const { AppModule } = require(${JSON.stringify(join(dir, 'app.module.ts'))});`,
    `require(${JSON.stringify(join(__dirname, 'service-part.ts'))}).writeServicePart(${JSON.stringify(service)}, config[specs[0]], (c) => AppModule.forRoot(c), ${JSON.stringify(out)});`,
  ].join('\n');
}

function controllerFiles(dirs: string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    for (const f of readdirSync(join(root, dir), { recursive: true }) as string[]) {
      if (f.endsWith('.controller.ts')) out.push(join(root, dir, f));
    }
  }
  return out.sort();
}

export function generateDocument(): JsonSchema {
  const services = describedServices();
  const tmp = mkdtempSync(join(tmpdir(), 'hookline-openapi-'));
  try {
    const parts: ServicePart[] = services.map((service) => {
      const out = join(tmp, `${service}.json`);
      execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', describeScript(service, out)], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
      return JSON.parse(readFileSync(out, 'utf8')) as ServicePart;
    });
    const responses = readResponseTypes(root, join(root, 'tsconfig.json'), controllerFiles([...services.map((s) => `services/${s}/src`), 'libs/http/src']));
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    return assembleDocument({ parts, responses, version });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function serialize(document: JsonSchema): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  const text = serialize(generateDocument());
  if (check) {
    const current = existsSync(OPENAPI_DOCUMENT_FILE) ? readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8') : '';
    if (current !== text) {
      process.stderr.write(`${OPENAPI_DOCUMENT_FILE} is not what the code describes: run npm run openapi and commit it\n`);
      process.exit(1);
    }
    process.stdout.write('the OpenAPI document is up to date\n');
  } else {
    writeFileSync(OPENAPI_DOCUMENT_FILE, text);
    process.stdout.write(`wrote ${OPENAPI_DOCUMENT_FILE}\n`);
  }
}

// @hookline/integration-buttons: the <hookline-integrations> web component a host page
// embeds (src/element, browser code with its own tsconfig), and, for Node, the one
// function that bundles it into a single ES module (Lit included) for the registry to
// serve. The component's decisions are in src/logic (DOM-free, tested in Node).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const BUNDLE_FILE_NAME = 'hookline-integrations.js';
/** The element's entry point. */
export const ELEMENT_ENTRY = join(__dirname, 'element', 'hookline-integrations.ts');

export interface BuiltBundle {
  code: string;
  /** A strong ETag of the code. */
  etag: string;
}

function built(code: string): BuiltBundle {
  return { code, etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 27)}"` };
}

/**
 * The bundle to serve: the one `npm run build` wrote next to the compiled library (the
 * compiled build and the container image carry no TypeScript to bundle), else built now
 * from the sources.
 */
export async function loadIntegrationButtons(): Promise<BuiltBundle> {
  const prebuilt = join(__dirname, BUNDLE_FILE_NAME);
  if (existsSync(prebuilt)) return built(readFileSync(prebuilt, 'utf8'));
  return buildIntegrationButtons();
}

/**
 * One minified ES module for evergreen browsers (ES2021: what Lit 3 itself targets),
 * built in memory. Lit's dev-mode warnings are left out (the "production" condition).
 */
export async function buildIntegrationButtons(opts: { minify?: boolean } = {}): Promise<BuiltBundle> {
  // Loaded here, not with the module: the compiled registry serves the prebuilt file and
  // never needs esbuild (about 4 MB of memory once loaded).
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [ELEMENT_ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2021'],
    conditions: ['production'],
    minify: opts.minify ?? true,
    legalComments: 'eof',
    write: false,
    logLevel: 'silent',
    tsconfig: join(__dirname, '..', 'tsconfig.json'),
  });
  return built(out.outputFiles[0].text);
}

// @hookline/integration-buttons: the <hookline-integrations> web component a host page
// embeds (src/element, browser code with its own tsconfig), and, for Node, the one
// function that bundles it into a single ES module (Lit included) for the registry to
// serve. The component's decisions are in src/logic (DOM-free, tested in Node).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { build } from 'esbuild';

export const BUNDLE_FILE_NAME = 'hookline-integrations.js';
/** The element's entry point. */
export const ELEMENT_ENTRY = join(__dirname, 'element', 'hookline-integrations.ts');

export interface BuiltBundle {
  code: string;
  /** A strong ETag of the code. */
  etag: string;
}

/**
 * One minified ES module for evergreen browsers (ES2021: what Lit 3 itself targets),
 * built in memory. Lit's dev-mode warnings are left out (the "production" condition).
 */
export async function buildIntegrationButtons(opts: { minify?: boolean } = {}): Promise<BuiltBundle> {
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
  const code = out.outputFiles[0].text;
  return { code, etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 27)}"` };
}

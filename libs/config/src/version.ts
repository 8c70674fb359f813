import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findWorkspace(): { root?: string; version: string } {
  // Walk up to the workspace's package.json; works from sources and from a build.
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hookline' && pkg.version) return { root: dir, version: pkg.version };
    }
  }
  return { version: '0.0.0-unknown' };
}

const workspace = findWorkspace();

/** The platform version every service reports in its logs. */
export const VERSION: string = workspace.version;

/** The folder holding the platform's package.json: the repository, or /app in the image (its dist/ beside it). */
export const WORKSPACE_ROOT: string = workspace.root ?? process.cwd();

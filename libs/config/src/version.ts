import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findVersion(): string {
  // Walk up to the workspace's package.json; works from sources and from a build.
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hookline' && pkg.version) return pkg.version;
    }
  }
  return '0.0.0-unknown';
}

/** The platform version every service reports in its logs. */
export const VERSION: string = findVersion();

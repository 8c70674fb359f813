// pg_dump of a test database, as an operator would take a backup: the text a leaked
// secret would be found in.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findPostgresBin } from '@hookline/local-stack';

/** The pg_dump next to the server binaries (Debian: /usr/lib/postgresql/<version>/bin), else the one on PATH. */
export function findPgDump(): string {
  try {
    const beside = join(findPostgresBin(), 'pg_dump');
    if (existsSync(beside)) return beside;
  } catch {
    /* no server binaries: fall back to PATH */
  }
  return 'pg_dump';
}

/** The whole database (schema and data) in pg_dump's plain format. */
export function pgDump(databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(findPgDump(), ['--format=plain', '--no-owner', '--no-privileges', `--dbname=${databaseUrl}`], { maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pg_dump failed: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

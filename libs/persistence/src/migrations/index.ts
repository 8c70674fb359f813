// Every migration, in order: each file in this folder named <timestamp>-<name> exports one
// migration class, and the timestamp orders them. One history for the one database the
// services share; each table belongs to the service named in its migration's comment.
// Read from the folder (not listed by hand) so that features added side by side never
// fight over one list.
import { readdirSync } from 'node:fs';
import type { MigrationInterface } from 'typeorm';

type MigrationClass = new () => MigrationInterface;

const FILE = /^(\d{13})-[a-z0-9-]+\.(ts|js)$/;

function load(): MigrationClass[] {
  const files = readdirSync(__dirname)
    .filter((f) => FILE.test(f) && !f.endsWith('.d.ts'))
    .sort((a, b) => Number(FILE.exec(a)?.[1]) - Number(FILE.exec(b)?.[1]) || a.localeCompare(b));
  return files.map((f) => {
    const mod = require(`./${f}`) as Record<string, unknown>;
    const classes = Object.values(mod).filter((v): v is MigrationClass => typeof v === 'function');
    if (classes.length !== 1) throw new Error(`migration file ${f} must export exactly one migration class`);
    return classes[0];
  });
}

export const MIGRATIONS: MigrationClass[] = load();

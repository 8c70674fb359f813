// The migrations run inside the launcher: the TypeScript path's way (the compiled path
// runs dist/libs/persistence/src/migrate.js in a process of its own, as the Kubernetes
// Job does). A module of its own so that only that path loads TypeORM and the migrations
// (about 30 MB a launcher on the compiled build need not hold): stack.ts requires it
// when it needs it.
export { runMigrations } from '@hookline/persistence';

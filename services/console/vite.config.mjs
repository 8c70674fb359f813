// The console's build: one static folder (index.html and hashed assets) served under
// /console/ by the registry, through the gateway locally and the ingress in Kubernetes.
// esbuild compiles the JSX (no React plugin needed: no fast refresh in a production build).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: join(here, '../../dist/services/console'),
    emptyOutDir: true,
    target: 'es2022',
    // One app, loaded once per session; splitting it would only add round trips.
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      onwarn(warning, warn) {
        // MUI marks its modules "use client" (for React Server Components); meaningless in a bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});

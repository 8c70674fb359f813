// Starts NATS, PostgreSQL, migrations, the six services and the gateway, prints where
// the API answers, keeps them running (a process that dies is restarted with backoff;
// `npm run status` shows each), and stops everything cleanly on Ctrl-C. Reuses the data
// folder. Runs the compiled build (start.mjs builds it first) unless HOOKLINE_RUN_COMPILED=0.
/* eslint-disable no-restricted-properties -- the launcher passes its environment on to the services */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { LocalSetupError, REPO_ROOT, startIntegrationsDemo, startStack, type IntegrationsDemo } from '@hookline/local-stack';

async function main(): Promise<void> {
  const dataDir = process.env.HOOKLINE_DATA_DIR ?? join(process.cwd(), '.data');
  const httpPort = Number(process.env.HOOKLINE_HTTP_PORT ?? 8080);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('HOOKLINE_') && v !== undefined) env[k] = v;
  delete env.HOOKLINE_HTTP_PORT;
  const compiled = env.HOOKLINE_RUN_COMPILED === '1';
  delete env.HOOKLINE_RUN_COMPILED;
  const consoleStale = env.HOOKLINE_CONSOLE_STALE === '1';
  delete env.HOOKLINE_CONSOLE_STALE;
  // On one machine the receivers you try things with live on this machine too; in production this stays empty.
  env.HOOKLINE_EGRESS_ALLOWLIST ??= '127.0.0.0/8,::1/128';
  delete env.HOOKLINE_LISTEN_PORT;
  // The custom-integrations demo: a stand-in host application's page (which calls the API
  // from the browser, so its origin may) and a stand-in integration, on the two ports after the services'.
  const host = process.env.HOOKLINE_HTTP_HOST ?? '127.0.0.1';
  const demoHostPort = httpPort + 8;
  const demoReceiverPort = httpPort + 9;
  env.HOOKLINE_CORS_ORIGINS ??= `http://${host}:${demoHostPort}`;
  console.log(`[hookline] starting with data under ${dataDir}`);
  const stack = await startStack({
    dataDir,
    host,
    httpPort,
    natsPort: Number(process.env.HOOKLINE_LOCAL_NATS_PORT ?? 14222),
    pgPort: Number(process.env.HOOKLINE_LOCAL_PG_PORT ?? 15432),
    fixedServicePorts: true,
    env,
    compiled,
    supervise: true,
  });
  const token = process.env.HOOKLINE_OPERATOR_TOKEN ?? '';
  let demo: IntegrationsDemo | undefined;
  try {
    demo = await startIntegrationsDemo({ apiUrl: stack.url, operatorToken: token, host, hostPort: demoHostPort, receiverPort: demoReceiverPort });
  } catch (err) {
    console.warn(`[hookline] the custom integrations demo did not start: ${(err as Error).message}`);
  }
  console.log(`
[hookline] ready.
  API base URL     ${stack.url}   (OpenAPI: ${stack.url}/openapi.json, reference: ${stack.url}/api-reference)
  gateway          ${stack.gateway.kind === 'nginx' ? `nginx (pid ${stack.gateway.pids()[0]})` : 'node:http proxy on a thread of this launcher (nginx not installed, or HOOKLINE_GATEWAY=node)'}
  gRPC admin API   ${stack.grpcAddress}  (plaintext; reflection on: grpcurl -plaintext ${stack.grpcAddress} list)
  console          ${stack.url}/console/  (sign in with the operator token below, or an API account's token and TOTP code)${consoleStale ? `
                   being built now: ready when "[hookline] console built" appears` : ''}
  NATS             ${stack.nats.url}  (JetStream store: ${stack.nats.storeDir})
  PostgreSQL       ${stack.databaseUrl}${stack.postgres?.relocatedTo ? `
                   data in ${stack.postgres.pgdata}: user postgres cannot reach ${dataDir}
                   (a parent folder is private), so ${join(dataDir, 'postgres', 'pgdata')} links there` : ''}
  mail (SMTP sink) ${stack.mail.url}: received mail at ${stack.url}/local/mail, files in ${stack.mail.dir}
  OpenID provider  ${stack.url}/oidc (discovery: ${stack.url}/oidc/.well-known/openid-configuration);
                   demo host sign-in page for authorize_url: ${stack.url}/local/sign-in
  service logs     ${join(dataDir, 'logs')}/<service>.log  (restarts: supervisor.log)
  services run     ${compiled ? 'compiled (dist/, plain node)' : 'from TypeScript (@swc-node/register, HOOKLINE_RUN_COMPILED=0)'}${demo ? `
  integrations     ${demo.hostUrl}  (a demo host page with every kind of custom integration button;
                   the integration it calls is ${demo.receiverUrl})` : ''}
  operator token   ${process.env.HOOKLINE_OPERATOR_TOKEN_GENERATED ? token : '(from HOOKLINE_OPERATOR_TOKEN / .data/secrets.json)'}

  try:  curl -s -X POST ${stack.url}/v1/events -H "authorization: Bearer $(node -p "require('${join(dataDir, 'secrets.json')}').HOOKLINE_OPERATOR_TOKEN")" \\
          -H 'content-type: application/json' \\
          -d '{"tenant":"demo","topic":"Accounts.Update","object":{"type":"account","id":"42","unit":"u-1"},"data":{"name":"Ada"}}'
        npm run demo      (in another terminal)
        npm run status    (each process: state, pid, restarts, ready)
  A process that dies is restarted (1 s, 2 s, 4 s, … up to 30 s apart). Ctrl-C stops everything.
`);
  // The console's build, after the banner (start.mjs found it missing or stale).
  let consoleBuild: ChildProcess | undefined;
  if (consoleStale) {
    consoleBuild = spawn(process.execPath, [join(REPO_ROOT, 'services', 'console', 'build.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
    consoleBuild.once('exit', (code, signal) => {
      if (code !== 0 && !signal) console.warn(`[hookline] the console could not be built (exit ${code}); /console/ answers 404 until node services/console/build.mjs succeeds`);
      consoleBuild = undefined;
    });
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    consoleBuild?.kill('SIGTERM');
    console.log(`\n[hookline] ${signal}: stopping services, NATS and PostgreSQL`);
    await demo?.close();
    await stack.stop();
    console.log('[hookline] stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  // A setup problem is one line naming the fix; anything else gets its stack.
  if (err instanceof LocalSetupError) console.error(`[hookline] cannot start: ${err.message}`);
  else console.error(`[hookline] failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});

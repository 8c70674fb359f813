// Starts NATS, PostgreSQL, migrations, the six services and the gateway, prints where
// the API answers, and stops everything cleanly on Ctrl-C. Reuses the data folder.
/* eslint-disable no-restricted-properties -- the launcher passes its environment on to the services */
import { join } from 'node:path';
import { LocalSetupError, startIntegrationsDemo, startStack, type IntegrationsDemo } from '@hookline/local-stack';

async function main(): Promise<void> {
  const dataDir = process.env.HOOKLINE_DATA_DIR ?? join(process.cwd(), '.data');
  const httpPort = Number(process.env.HOOKLINE_HTTP_PORT ?? 8080);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('HOOKLINE_') && v !== undefined) env[k] = v;
  delete env.HOOKLINE_HTTP_PORT;
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
  gRPC admin API   ${stack.grpcAddress}  (plaintext; reflection on: grpcurl -plaintext ${stack.grpcAddress} list)
  NATS             ${stack.nats.url}  (JetStream store: ${stack.nats.storeDir})
  PostgreSQL       ${stack.databaseUrl}${stack.postgres?.relocatedTo ? `
                   data in ${stack.postgres.pgdata}: user postgres cannot reach ${dataDir}
                   (a parent folder is private), so ${join(dataDir, 'postgres', 'pgdata')} links there` : ''}
  service logs     ${join(dataDir, 'logs')}/<service>.log
  mail (SMTP sink) ${stack.mail.url}: received mail at ${stack.url}/local/mail, files in ${stack.mail.dir}
  OpenID provider  ${stack.url}/oidc (discovery: ${stack.url}/oidc/.well-known/openid-configuration);
                   demo host sign-in page for authorize_url: ${stack.url}/local/sign-in
  service logs     ${join(dataDir, 'logs')}/<service>.log${demo ? `
  integrations     ${demo.hostUrl}  (a demo host page with every kind of custom integration button;
                   the integration it calls is ${demo.receiverUrl})` : ''}
  operator token   ${process.env.HOOKLINE_OPERATOR_TOKEN_GENERATED ? token : '(from HOOKLINE_OPERATOR_TOKEN / .data/secrets.json)'}

  try:  curl -s -X POST ${stack.url}/v1/events -H "authorization: Bearer $(node -p "require('${join(dataDir, 'secrets.json')}').HOOKLINE_OPERATOR_TOKEN")" \\
          -H 'content-type: application/json' \\
          -d '{"tenant":"demo","topic":"Accounts.Update","object":{"type":"account","id":"42","unit":"u-1"},"data":{"name":"Ada"}}'
        npm run demo      (in another terminal)
  Ctrl-C stops everything.
`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
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

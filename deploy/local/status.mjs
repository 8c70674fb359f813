// `npm run status`: what `npm start` is running, from the gateway's /health: each
// process, its state, pid, restarts and readiness. Exit code 0 when all are running and
// ready, 1 when one is not, 2 when nothing answers (npm start is not running there).
const host = process.env.HOOKLINE_HTTP_HOST ?? '127.0.0.1';
const port = Number(process.env.HOOKLINE_HTTP_PORT ?? 8080);
const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/health`;

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

let body;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  body = await res.json();
} catch (err) {
  console.error(`[hookline] nothing answers at ${url} (${err.cause?.code ?? err.message}): is npm start running? (HOOKLINE_HTTP_HOST / HOOKLINE_HTTP_PORT say where)`);
  process.exit(2);
}
if (!Array.isArray(body.processes)) {
  console.error(`[hookline] ${url} answered without a process list: not a supervised npm start`);
  process.exit(2);
}
const rows = [['process', 'state', 'pid', 'ready', 'restarts', 'up since', 'last exit']];
for (const p of body.processes) {
  const exit = p.lastExit ? `${p.lastExit.signal ? `killed by ${p.lastExit.signal}` : `code ${p.lastExit.code}`}, ${ago(p.lastExit.at)}` : '';
  const ready = p.ready === null ? '?' : p.ready ? 'yes' : `no${p.readyDetail ? ` (${p.readyDetail})` : ''}`;
  const state = p.state === 'restarting' && p.nextAttemptAt ? `restarting (next try ${new Date(p.nextAttemptAt).toLocaleTimeString()})` : p.state;
  rows.push([p.name, state, String(p.pid ?? '-'), ready, String(p.restarts), p.state === 'running' ? ago(p.since) : '', exit]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
console.log(`\n${body.status === 'ok' ? 'all running and ready' : 'DEGRADED: not everything is running and ready'} (${url})`);
process.exit(body.status === 'ok' ? 0 : 1);

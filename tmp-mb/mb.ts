import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { Pool } from 'undici';
import { startProxy } from '../libs/local-stack/src/gateway-proxy';
const body = JSON.stringify({ tenant: 'acme', topic: 'A.B', object: { type: 'x', id: '1' }, data: { blob: 'x'.repeat(900) } });
function cpuOf(pid: number) { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; }
function childCpu(pids: number[]) { return pids.reduce((a, p) => a + cpuOf(p), 0); }
async function load(url: string, ms: number) {
  const pool = new Pool(url, { connections: 64, pipelining: 1 });
  let n = 0; const end = Date.now() + ms;
  await Promise.all(Array.from({ length: 64 }, async () => { while (Date.now() < end) { const r = await pool.request({ path: '/v1/events', method: 'POST', headers: { 'content-type': 'application/json' }, body }); await r.body.text(); n++; } }));
  await pool.close(); return n;
}
async function main() {
  const recv = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(202, { 'content-type': 'application/json' }); res.end('{"id":"x"}'); }); });
  await new Promise<void>((r) => recv.listen(0, '127.0.0.1', r));
  const rport = (recv.address() as any).port;
  const proxy = await startProxy({ host: '127.0.0.1', port: 0, upstreams: { registry: rport } as any, ownPort: 1 });
  mkdirSync('/tmp/ngx/logs', { recursive: true });
  writeFileSync('/tmp/ngx/nginx.conf', `worker_processes 1; daemon off; pid /tmp/ngx/nginx.pid; error_log /tmp/ngx/logs/error.log warn; user root;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path /tmp/ngx/body; proxy_temp_path /tmp/ngx/proxy;
 upstream reg { server 127.0.0.1:${rport}; keepalive 64; }
 server { listen 127.0.0.1:18099; location /v1/ { proxy_pass http://reg; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header X-Forwarded-For $remote_addr; proxy_request_buffering off; proxy_buffering off; client_max_body_size 0; } } }`);
  const ng = spawn('nginx', ['-c', '/tmp/ngx/nginx.conf', '-p', '/tmp/ngx'], { stdio: 'inherit' });
  await new Promise((r) => setTimeout(r, 500));
  const workers = () => readFileSync('/proc/' + ng.pid + '/task/' + ng.pid + '/children', 'utf8').trim().split(/\s+/).map(Number).concat([ng.pid!]);
  for (const round of [1, 2]) {
    for (const [name, url] of [['direct', `http://127.0.0.1:${rport}`], ['node-proxy', `http://127.0.0.1:${proxy.port}`], ['nginx', 'http://127.0.0.1:18099']] as const) {
      const u0 = process.cpuUsage(); const n0 = childCpu(workers());
      const n = await load(url, 4000);
      const u = process.cpuUsage(u0); const nd = childCpu(workers()) - n0;
      console.log(round, name, (n / 4).toFixed(0), 'req/s; this process', ((u.user + u.system) / 1000 / n).toFixed(3), 'ms/req; nginx', (nd / n).toFixed(3), 'ms/req');
    }
  }
  ng.kill(); await proxy.close(); recv.close();
}
main();

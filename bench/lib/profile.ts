// Reads the services' V8 CPU profiles (--cpu-prof) and names where their time went:
// self time per function, and per source area (a package, a lib, a service).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  pid: number;
  totalMs: number;
  byFunction: { name: string; ms: number; pct: number }[];
  byArea: { area: string; ms: number; pct: number }[];
}

/** node_modules/<pkg>, libs/<lib>, services/<svc>, node:internal, (gc), (program)… */
function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const repo = /\/(libs|services)\/([^/]+)\//.exec(url);
  if (repo) return `${repo[1]}/${repo[2]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url.replace(/^file:\/\//, '');
}

export function summarizeProfile(file: string, top = 12): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    // (idle) is no work; a url-less "dispatch" is the inspector itself (profile-hook.js restarting the profiler).
    if (functionName === '(idle)' || (functionName === 'dispatch' && !url)) continue;
    total += us;
    const short = url.replace(/^.*\/(node_modules|libs|services)\//, '$1/');
    const name = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    fns.set(name, (fns.get(name) ?? 0) + us);
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ k, ms: Math.round(us / 1000), pct: Math.round((us / Math.max(1, total)) * 1000) / 10 }));
  const pid = Number(/\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file)?.[1] ?? 0);
  return {
    file,
    pid,
    totalMs: Math.round(total / 1000),
    byFunction: rank(fns).map(({ k, ms, pct }) => ({ name: k, ms, pct })),
    byArea: rank(areas).map(({ k, ms, pct }) => ({ area: k, ms, pct })),
  };
}

export function profilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f));
}

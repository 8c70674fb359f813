// Who may see and change a receiver. Receivers are tenant-wide settings, so an account
// needs its receivers:read / receivers:write grant on the whole tenant; the grant's
// topics must cover the receiver's topics (write: all of them; read: at least one).
import { actionGranted, patternCovers, type Principal } from '@hookline/auth';

function scopes(p: Principal, action: string): ('*' | string[])[] {
  if (p.kind === 'operator') return ['*'];
  return p.grants.filter((g) => actionGranted(g.actions, action) && g.units === '*').map((g) => g.topics);
}

function covered(scope: ('*' | string[])[], topic: string): boolean {
  return scope.some((t) => t === '*' || t.some((pattern) => patternCovers(pattern, topic)));
}

/** The topics of `topics` the principal may not configure (empty: all allowed). */
export function topicsNotWritable(p: Principal, topics: readonly string[]): string[] {
  const scope = scopes(p, 'receivers:write');
  return topics.filter((t) => !covered(scope, t));
}

export function canSeeReceiver(p: Principal, topics: readonly string[]): boolean {
  const scope = scopes(p, 'receivers:read');
  return topics.some((t) => covered(scope, t));
}

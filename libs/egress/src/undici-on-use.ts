// undici, loaded when the first outbound request is made rather than when a service starts.
// The dispatcher sends from its first second; the registry (receiver checks, integration
// calls, token requests) may not send anything for hours, and undici's modules are about
// 5 MB of heap a service holds for as long as it runs once they are loaded.
import type * as Undici from 'undici';

let loaded: typeof Undici | undefined;

export function undici(): typeof Undici {
  loaded ??= require('undici') as typeof Undici;
  return loaded;
}

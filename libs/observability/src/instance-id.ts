import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * This process among its replicas, in /health and in its traces: host, pid and a random
 * part, since two containers may share both a host name (host networking) and a pid (1).
 * The retry-scheduler's lease is held under this id, and two instances with one id would
 * both believe they hold it.
 */
export const INSTANCE_ID = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;

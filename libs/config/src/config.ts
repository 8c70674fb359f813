// Typed configuration: each service declares a spec, the environment is read and
// validated once at boot, and every problem is reported together.

export interface FieldSpec<T> {
  /** Parses the raw value; throws an Error whose message says what is wrong. */
  parse(raw: string): T;
  default?: T;
  optional?: boolean;
  /** Secret values are never echoed back in error messages or dumps. */
  secret?: boolean;
  doc: string;
}

export type ConfigSpec<T> = { [K in keyof T]: FieldSpec<T[K]> & { env: string } };

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig<T>(spec: ConfigSpec<T>, env: Record<string, string | undefined>): Readonly<T> {
  const problems: string[] = [];
  const out: Partial<T> = {};
  for (const key of Object.keys(spec) as (keyof T)[]) {
    const field = spec[key];
    const raw = env[field.env];
    if (raw === undefined || raw === '') {
      if (field.default !== undefined) out[key] = field.default;
      else if (!field.optional) problems.push(`${field.env} is required (${field.doc})`);
      continue;
    }
    try {
      out[key] = field.parse(raw);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      problems.push(field.secret ? `${field.env}: ${why}` : `${field.env}=${JSON.stringify(raw)}: ${why}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out as T);
}

type Opts<T> = { default?: T; optional?: boolean; doc: string };

export const field = {
  string(env: string, opts: Opts<string>): FieldSpec<string> & { env: string } {
    return { env, ...opts, parse: (raw) => raw };
  },
  secret(env: string, opts: Opts<string> & { minLength?: number }): FieldSpec<string> & { env: string } {
    const min = opts.minLength ?? 16;
    return {
      env,
      ...opts,
      secret: true,
      parse: (raw) => {
        if (raw.length < min) throw new Error(`must be at least ${min} characters`);
        return raw;
      },
    };
  },
  int(env: string, opts: Opts<number> & { min?: number; max?: number }): FieldSpec<number> & { env: string } {
    return {
      env,
      ...opts,
      parse: (raw) => {
        if (!/^-?\d+$/.test(raw.trim())) throw new Error('must be an integer');
        const n = Number(raw);
        if (opts.min !== undefined && n < opts.min) throw new Error(`must be >= ${opts.min}`);
        if (opts.max !== undefined && n > opts.max) throw new Error(`must be <= ${opts.max}`);
        return n;
      },
    };
  },
  port(env: string, opts: Opts<number>): FieldSpec<number> & { env: string } {
    return field.int(env, { ...opts, min: 0, max: 65535 });
  },
  bool(env: string, opts: Opts<boolean>): FieldSpec<boolean> & { env: string } {
    return {
      env,
      ...opts,
      parse: (raw) => {
        const v = raw.trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(v)) return true;
        if (['0', 'false', 'no', 'off'].includes(v)) return false;
        throw new Error('must be true or false');
      },
    };
  },
  url(env: string, opts: Opts<string> & { protocols: string[] }): FieldSpec<string> & { env: string } {
    return {
      env,
      ...opts,
      parse: (raw) => {
        for (const part of raw.split(',')) {
          let u: URL;
          try {
            u = new URL(part.trim());
          } catch {
            throw new Error('must be a URL');
          }
          if (!opts.protocols.includes(u.protocol)) throw new Error(`must use ${opts.protocols.join(' or ')}`);
        }
        return raw;
      },
    };
  },
  oneOf<V extends string>(env: string, values: readonly V[], opts: Opts<V>): FieldSpec<V> & { env: string } {
    return {
      env,
      ...opts,
      parse: (raw) => {
        if (!values.includes(raw as V)) throw new Error(`must be one of ${values.join(', ')}`);
        return raw as V;
      },
    };
  },
  /** A list of durations such as "1h,2h,6h,24h" or "1s,2s". */
  durations(env: string, opts: Opts<number[]>): FieldSpec<number[]> & { env: string } {
    return { env, ...opts, parse: (raw) => raw.split(',').map((p) => parseDuration(p.trim())) };
  },
  /** A duration such as "5s" or "1h"; `max` bounds it (a timer's interval past 2^31 - 1 ms would fire every millisecond). */
  duration(env: string, opts: Opts<number> & { max?: number }): FieldSpec<number> & { env: string } {
    return {
      env,
      ...opts,
      parse: (raw) => {
        const ms = parseDuration(raw.trim());
        if (opts.max !== undefined && ms > opts.max) throw new Error(`must be at most ${formatDuration(opts.max)}`);
        return ms;
      },
    };
  },
  /** A 32-byte key given as base64 or 64 hex characters. */
  key32(env: string, opts: Opts<Buffer>): FieldSpec<Buffer> & { env: string } {
    return {
      env,
      ...opts,
      secret: true,
      parse: (raw) => {
        const v = raw.trim();
        const buf = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
        if (buf.length !== 32) throw new Error('must be 32 bytes, as base64 or 64 hex characters');
        return buf;
      },
    };
  },
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds as the largest whole unit: 3600000 -> "1h", 1500 -> "1500ms". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms >= UNITS[unit] && ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  return `${ms}ms`;
}

/** Parses "250ms", "5s", "1h", "2d" (or a bare number of milliseconds) into milliseconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw);
  if (!m) throw new Error(`"${raw}" is not a duration (examples: 500ms, 30s, 1h, 2d)`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']);
}

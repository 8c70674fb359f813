// What makes a webhook log entry writable, and how a write the database refuses is cut
// down to the entries it refuses (pure: the repository and the buffer use these). Text is
// made storable by @hookline/persistence's storableText.

/**
 * Whether the database refused a write for what it holds (SQLSTATE classes 21
 * cardinality, 22 data exception, 23 integrity constraint): writing the same entries
 * again fails again, so they are written in smaller parts to find the ones at fault.
 * Anything else (no connection, a timeout, a server shutting down, a deadlock) says
 * nothing about the entries and is tried again later as a whole.
 */
export function refusedForContent(err: unknown): boolean {
  const code = sqlStateOf(err);
  return code !== undefined && /^2[123][0-9A-Z]{3}$/.test(code);
}

/** PostgreSQL's lock_not_available: a lock_timeout ran out. */
export const LOCK_NOT_AVAILABLE = '55P03';

/** The SQLSTATE of a failed query: TypeORM's QueryFailedError carries pg's `code`, and the pg error itself as `driverError`. */
export function sqlStateOf(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  return typeof e.code === 'string' ? e.code : typeof e.driverError?.code === 'string' ? e.driverError.code : undefined;
}

export interface PartsOutcome<T> {
  /** Entries the database refused on their own: left out, with its error. */
  dropped: { entry: T; error: unknown }[];
  /** Entries not written because of an error that is not theirs (to try again later), in their order. */
  unwritten: T[];
  /** That error. */
  error?: unknown;
}

/**
 * Writes the entries in one call; when that is refused for its content, each half on its
 * own, down to single entries, so one entry the database refuses costs about 2·log2(n)
 * writes and only itself. An error that is not the content's stops it: what is not
 * written yet comes back as `unwritten`. Never throws.
 */
export async function writeInParts<T>(entries: T[], write: (part: T[]) => Promise<void>, isContentError: (err: unknown) => boolean = refusedForContent): Promise<PartsOutcome<T>> {
  const dropped: { entry: T; error: unknown }[] = [];
  const parts: T[][] = entries.length > 0 ? [entries] : [];
  while (parts.length > 0) {
    const part = parts.shift() as T[];
    try {
      await write(part);
    } catch (err) {
      if (!isContentError(err)) return { dropped, unwritten: [part, ...parts].flat(), error: err };
      if (part.length === 1) dropped.push({ entry: part[0], error: err });
      else {
        const mid = Math.ceil(part.length / 2);
        parts.unshift(part.slice(0, mid), part.slice(mid));
      }
    }
  }
  return { dropped, unwritten: [] };
}

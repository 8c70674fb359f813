// Keyset pagination for the registry's lists: newest first on (created_at, id), with
// the opaque cursors of @hookline/persistence.
import { IsOptional, Matches } from 'class-validator';
import { TENANT_ID_RE } from '@hookline/contracts';
import { PageQuery, ValidationError } from '@hookline/http';
import { decodeCursor, encodeCursor, type Cursor } from '@hookline/persistence';

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export const DEFAULT_LIMIT = 50;

/** idPattern: what the id half of a cursor must look like where the id column is typed (uuid). */
export function parsePage(req: PageRequest, idPattern?: RegExp): { limit: number; after?: Cursor } {
  const limit = req.limit ?? DEFAULT_LIMIT;
  if (req.cursor === undefined) return { limit };
  const after = decodeCursor(req.cursor, idPattern);
  if (!after) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
  return { limit, after };
}

/** `rows` holds up to limit + 1 rows; the extra one only says there is a next page. */
export function toPage<R extends { createdAt: Date }, T>(rows: R[], limit: number, idOf: (r: R) => string, view: (r: R) => T): Page<T> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { data: page.map(view), nextCursor: rows.length > limit && last ? encodeCursor({ at: last.createdAt.toISOString(), id: idOf(last) }) : null };
}

/** The operator names the tenant on tenant-scoped routes; an account may leave it out. */
export class TenantQueryDto {
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;
}

/** limit and cursor (@hookline/http's PageQuery) and tenant: what every tenant-scoped list extends. */
export class TenantListQueryDto extends PageQuery {
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;
}

// react-admin pages by number; the API by cursor (`limit`, `cursor`, `nextCursor`). This
// remembers, per list and filter, the cursor that opens each page the user has reached, so
// "next" and "previous" walk the API's own pages and nothing is counted.

export interface PageRequest {
  page: number;
  perPage: number;
}

export class CursorBook {
  private readonly lists = new Map<string, Map<number, string>>();

  /** The cursor for `page` of this list, `null` for the first page, `undefined` when that page was never reached. */
  cursorFor(list: string, page: number): string | null | undefined {
    if (page <= 1) return null;
    return this.lists.get(list)?.get(page);
  }

  /** Records where the page after `page` starts (nothing when the API said it was the last). */
  remember(list: string, page: number, nextCursor: string | null | undefined): void {
    let pages = this.lists.get(list);
    if (!pages) this.lists.set(list, (pages = new Map()));
    if (nextCursor) pages.set(page + 1, nextCursor);
    else pages.delete(page + 1);
  }

  clear(): void {
    this.lists.clear();
  }
}

/** One key per list, filter and page size: a cursor is only valid for the query that handed it out. */
export function listKey(resource: string, filter: Record<string, unknown>, perPage: number): string {
  const sorted = Object.keys(filter).sort().map((k) => [k, filter[k]]);
  return JSON.stringify([resource, sorted, perPage]);
}

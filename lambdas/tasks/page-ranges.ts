// Batches over a table's heap: page ranges read in order by TID range scans, like a one-shot
// statement's sequential scan, each about a batch of rows. Shared by the tasks that move or
// delete many rows (rides archive, sessions cleanup).

/** SQL giving `rows_per_page` of a table from its statistics (50 before it was ever analyzed). */
export const rowsPerPageSql = (table: string) =>
  `(SELECT CASE WHEN relpages > 0 AND reltuples > 0 THEN reltuples / relpages ELSE 50 END FROM pg_class WHERE oid = '${table}'::regclass)`;

/** SQL giving the first and last heap page holding rows of `alias` (as `first`, `last`). */
export const pageBoundsSql = (alias: string) =>
  `(min(${alias}.ctid)::text::point)[0]::int AS first, (max(${alias}.ctid)::text::point)[0]::int AS last`;

/** Batches sized by time: each aims at `targetMs`, between `batchSize` rows and `maxRows`. */
export interface Pacing {
  targetMs: number;
  maxRows: number;
}

/**
 * Predicates on `alias.ctid` covering pages first..last, in ranges of about `batchSize` rows.
 * With `pacing`, the caller passes each batch's milliseconds to `next()`: a range grows (at
 * most 1.5× a step) while batches run under the target and shrinks back above it, so per-batch
 * costs (round trip, planning, commit) are paid less often while no transaction runs long.
 * It never goes below `batchSize` rows, so ceil(rows / batchSize) stays an upper bound of the batches.
 */
export function* pageRanges(
  alias: string,
  first: number,
  last: number,
  rowsPerPage: number,
  batchSize: number,
  pacing?: Pacing,
): Generator<string, void, number | undefined> {
  const perPage = Math.max(1, rowsPerPage);
  const least = Math.max(1, Math.floor(batchSize / perPage));
  const most = pacing ? Math.max(least, Math.floor(pacing.maxRows / perPage)) : least;
  let step = least;
  for (let page = first; page <= last;) {
    const ms = yield `${alias}.ctid >= '(${page},0)'::tid AND ${alias}.ctid < '(${page + step},0)'::tid`;
    page += step;
    if (pacing && ms !== undefined) {
      // Growth is gentle (a busy server slows the next batch too); a slow batch shrinks the next at once.
      const factor = Math.min(1.5, Math.max(0.25, pacing.targetMs / Math.max(1, ms)));
      step = Math.min(most, Math.max(least, Math.floor(step * factor)));
    }
  }
}

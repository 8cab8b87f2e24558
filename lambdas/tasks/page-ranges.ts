// Batches over a table's heap: page ranges read in order by TID range scans, like a one-shot
// statement's sequential scan, each about a batch of rows. Shared by the tasks that move or
// delete many rows (rides archive, sessions cleanup).

/** SQL giving `rows_per_page` of a table from its statistics (50 before it was ever analyzed). */
export const rowsPerPageSql = (table: string) =>
  `(SELECT CASE WHEN relpages > 0 AND reltuples > 0 THEN reltuples / relpages ELSE 50 END FROM pg_class WHERE oid = '${table}'::regclass)`;

/** SQL giving the first and last heap page holding rows of `alias` (as `first`, `last`). */
export const pageBoundsSql = (alias: string) =>
  `(min(${alias}.ctid)::text::point)[0]::int AS first, (max(${alias}.ctid)::text::point)[0]::int AS last`;

/** Predicates on `alias.ctid` covering pages first..last, in ranges of about `batchSize` rows. */
export function* pageRanges(
  alias: string,
  first: number,
  last: number,
  rowsPerPage: number,
  batchSize: number,
): Generator<string> {
  const step = Math.max(1, Math.floor(batchSize / Math.max(1, rowsPerPage)));
  for (let page = first; page <= last; page += step) {
    yield `${alias}.ctid >= '(${page},0)'::tid AND ${alias}.ctid < '(${page + step},0)'::tid`;
  }
}

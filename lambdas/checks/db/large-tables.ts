// Weekly "tables volumineuses" (the guide's n_live_tup query): the largest tables by total size
// (heap + indexes + TOAST) with their live rows, and how much each grew since the previous
// weekly run record, read from the logs bucket (the record holds this check's own details).
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Check } from "../../core/check";
import { RECORDS_PREFIX } from "../../core/contract";
import { createS3Client, listObjects } from "../../lib/s3";
import { NOT_EXTENSION_MEMBER_SQL, USER_SCHEMAS_SQL, withDatabase } from "./connect";

/** Total bytes by table (`schema.table`), as the previous weekly run measured them. */
export type Sizes = Record<string, number>;
/** Where the previous sizes come from; `inputs` carries the logs bucket. */
export type PreviousSizes = (inputs: { logsBucket?: string }) => Promise<Sizes | undefined>;

export interface TableSize {
  table: string;
  totalBytes: number;
  liveRows: number;
}

export interface TableGrowth extends TableSize {
  previousBytes?: number;
  /** (now - before) / before, 3 decimals; absent when the table was not in the previous record. */
  growth?: number;
}

/** Pure: each table's growth against the previous sizes (tables absent before get none). */
export function tableGrowth(current: TableSize[], previous: Sizes | undefined): TableGrowth[] {
  return current.map((x) => {
    const was = previous?.[x.table];
    if (!was || was <= 0) return x;
    return { ...x, previousBytes: was, growth: Number(((x.totalBytes - was) / was).toFixed(3)) };
  });
}

/** Pure: the sizes this check recorded in a run record, if it did (a failed run has no details). */
export function sizesFromRecord(record: unknown): Sizes | undefined {
  const results = (record as { results?: { id?: string; details?: { tables?: unknown } }[] })?.results;
  const tables = results?.find((r) => r.id === "large-tables")?.details?.tables;
  if (!Array.isArray(tables)) return undefined;
  const sizes = tables
    .filter((t) => typeof t?.table === "string" && typeof t?.totalBytes === "number")
    .map((t) => [t.table as string, t.totalBytes as number]);
  return sizes.length ? Object.fromEntries(sizes) : undefined;
}

/** How many of the latest weekly records to open looking for one with this check's sizes. */
const RECORDS_TO_TRY = 5;

/**
 * The `large-tables` sizes of the latest weekly run record in the logs bucket that has them.
 * Keys are `reports/checklists/weekly/<date>[T<time>].json`, so their order is chronological.
 */
export async function previousSizesFromRecords(
  s3: () => S3Client,
  bucket: string | undefined,
): Promise<Sizes | undefined> {
  if (!bucket) return undefined;
  const keys = (await listObjects(s3(), bucket, `${RECORDS_PREFIX}weekly/`))
    .map((o) => o.Key!)
    .filter((k) => k.endsWith(".json"));
  for (const key of keys.sort().reverse().slice(0, RECORDS_TO_TRY)) {
    const body = await (await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    let record: unknown;
    try {
      record = JSON.parse(body);
    } catch {
      continue;
    }
    const sizes = sizesFromRecord(record);
    if (sizes) return sizes;
  }
  return undefined;
}

let s3: S3Client | undefined;
const sharedS3 = () => (s3 ??= createS3Client());

/** By default, the previous sizes come from the weekly records in the logs bucket. */
export function largeTablesCheck(
  previousSizes: PreviousSizes = ({ logsBucket }) => previousSizesFromRecords(sharedS3, logsBucket),
): Check {
  return {
    id: "large-tables",
    title: "Tables volumineuses et leur croissance sur la semaine",
    run: (ctx) =>
      withDatabase(ctx, async (client) => {
        const t = ctx.inputs.database;
        const { rows } = await client.query<{ table: string; bytes: string; rows: string }>(
          `SELECT format('%I.%I', n.nspname, c.relname) AS table, pg_total_relation_size(c.oid)::text AS bytes,
                  coalesce(s.n_live_tup, greatest(c.reltuples, 0))::bigint::text AS rows
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
           WHERE c.relkind IN ('r', 'm') AND ${USER_SCHEMAS_SQL} AND ${NOT_EXTENSION_MEMBER_SQL}
           ORDER BY pg_total_relation_size(c.oid) DESC, 1 LIMIT $1`,
          [t.largeTablesTop],
        );
        let before: Sizes | undefined;
        let previousError: string | undefined;
        try {
          before = await previousSizes({ logsBucket: ctx.inputs.logsBucket });
        } catch (error) {
          previousError = (error as Error).message;
        }
        const tables = tableGrowth(
          rows.map((r) => ({ table: r.table, totalBytes: Number(r.bytes), liveRows: Number(r.rows) })),
          before,
        );
        const growing = tables
          .filter((x) => x.growth !== undefined && x.growth > t.tableGrowthWarn)
          .map((x) => ({ ...x, growthWarn: t.tableGrowthWarn }));
        const details = {
          tables,
          growing,
          comparedWithPreviousWeek: !!before,
          ...(previousError ? { note: `previous weekly record unreadable: ${previousError}` } : {}),
        };
        const metrics = {
          largestTableBytes: tables[0]?.totalBytes ?? 0,
          topTablesBytes: tables.reduce((s, x) => s + x.totalBytes, 0),
        };
        const mb = (b: number) => `${(b / 1024 ** 2).toFixed(1)} MB`;
        const pct = (g: number) => `${g >= 0 ? "+" : ""}${(g * 100).toFixed(0)}%`;
        const top = tables
          .slice(0, 3)
          .map(
            (x) =>
              `${x.table} ${mb(x.totalBytes)} (${x.liveRows} rows${x.growth !== undefined ? `, ${pct(x.growth)}` : ""})`,
          )
          .join(", ");
        if (growing.length) {
          return {
            status: "warn",
            summary: `grew more than ${pct(t.tableGrowthWarn)} in a week: ${growing.map((g) => `${g.table} ${mb(g.previousBytes!)} → ${mb(g.totalBytes)}`).join(", ")}; largest: ${top}`,
            details,
            metrics,
          };
        }
        const comparison = before
          ? ""
          : previousError
            ? " (previous weekly record unreadable)"
            : " (no previous weekly record to compare with)";
        return { status: "ok", summary: `largest: ${top}${comparison}`, details, metrics };
      }),
  };
}

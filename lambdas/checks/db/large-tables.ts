// Weekly "tables volumineuses" (the guide's n_live_tup query): the largest tables by total
// size with their rows, and how much each grew since the previous weekly run record.
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { Check } from "../../checklist/types";
import { RECORDS_PREFIX } from "../../contract";
import { USER_SCHEMAS_SQL, withDatabase } from "./connect";

export type PreviousSizes = () => Promise<Record<string, number> | undefined>;

/** The `large-tables` sizes of the latest weekly run record in the logs bucket. */
export function previousSizesFromRecords(s3: () => S3Client, bucket: () => string | undefined): PreviousSizes {
  return async () => {
    const name = bucket();
    if (!name) return undefined;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3().send(new ListObjectsV2Command({ Bucket: name, Prefix: `${RECORDS_PREFIX}weekly/`, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    const latest = keys.sort().at(-1);
    if (!latest) return undefined;
    const record = JSON.parse(await (await s3().send(new GetObjectCommand({ Bucket: name, Key: latest }))).Body!.transformToString());
    const result = record.results?.find((r: { id: string }) => r.id === "large-tables");
    const tables = result?.details?.tables as { table: string; totalBytes: number }[] | undefined;
    return tables ? Object.fromEntries(tables.map((t) => [t.table, t.totalBytes])) : undefined;
  };
}

export function largeTablesCheck(previous: (ctx: { logsBucket?: string }) => PreviousSizes): Check {
  return {
    id: "large-tables",
    title: "Tables volumineuses et leur croissance sur la semaine",
    run: (ctx) =>
      withDatabase(ctx, async (client) => {
        const t = ctx.inputs.database;
        const { rows } = await client.query<{ table: string; bytes: string; rows: string }>(
          `SELECT n.nspname || '.' || c.relname AS table, pg_total_relation_size(c.oid)::text AS bytes, coalesce(s.n_live_tup, 0)::text AS rows
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
           WHERE c.relkind IN ('r', 'm', 'p') AND ${USER_SCHEMAS_SQL} ORDER BY pg_total_relation_size(c.oid) DESC LIMIT $1`,
          [t.largeTablesTop],
        );
        const before = await previous({ logsBucket: ctx.inputs.logsBucket })().catch(() => undefined);
        const tables = rows.map((r) => {
          const totalBytes = Number(r.bytes);
          const was = before?.[r.table];
          return { table: r.table, totalBytes, liveRows: Number(r.rows), ...(was ? { growth: Number(((totalBytes - was) / was).toFixed(3)) } : {}) };
        });
        const growing = tables.filter((x) => x.growth !== undefined && x.growth > t.tableGrowthWarn);
        const details = { tables, comparedWithPreviousWeek: !!before };
        const metrics = { largestTableBytes: tables[0]?.totalBytes ?? 0 };
        const mb = (b: number) => `${(b / 1024 ** 2).toFixed(1)} MB`;
        const top = tables.slice(0, 3).map((x) => `${x.table} ${mb(x.totalBytes)} (${x.liveRows} rows${x.growth !== undefined ? `, ${x.growth >= 0 ? "+" : ""}${(x.growth * 100).toFixed(0)}%` : ""})`).join(", ");
        if (growing.length) return { status: "warn", summary: `grew more than ${t.tableGrowthWarn * 100}% in a week: ${growing.map((g) => g.table).join(", ")}; largest: ${top}`, details, metrics };
        return { status: "ok", summary: `largest: ${top}${before ? "" : " (no previous weekly record to compare with)"}`, details, metrics };
      }),
  };
}

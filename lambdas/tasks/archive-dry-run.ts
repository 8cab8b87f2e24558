// What archive-rides.ts would do, without doing it (`--dry-run`), and the old rides it leaves
// in rides because another table still references them (counted for the dry run and the report).
import type { Client } from "pg";
import { describeKey, reaches, References, rowsOf, unreferenced } from "./archive-references";
import type { TaskResult } from "../core/task";

/** Old rides still referenced, in total and per referencing table (a ride may count for several). */
export async function keptBy(
  client: Client,
  refs: References,
  old: string,
): Promise<{ total: number; by: Record<string, number> }> {
  const tables = [...new Set(refs.blockers.map((b) => b.table))];
  const reached = (t: string) =>
    refs.blockers
      .filter((b) => b.table === t)
      .map((b) => reaches(refs, b))
      .join(" OR ");
  const {
    rows: [k],
  } = await client.query(
    `SELECT count(*) FILTER (WHERE NOT (${unreferenced(refs)})) AS total${tables.map((t, i) => `, count(*) FILTER (WHERE ${reached(t)}) AS k${i}`).join("")} FROM public.rides r WHERE ${old}`,
  );
  return { total: Number(k.total), by: Object.fromEntries(tables.map((t, i) => [t, Number(k[`k${i}`])])) };
}

export const keptSummary = (kept: { total: number; by: Record<string, number> }) =>
  kept.total
    ? `; kept: ${Object.entries(kept.by)
        .filter(([, n]) => n)
        .map(([t, n]) => `${n.toLocaleString("en")} rides still referenced by ${t}`)
        .join(", ")}`
    : "";

export async function archiveDryRun(
  client: Client,
  o: {
    task: string;
    old: string;
    movable: string;
    refs: References;
    at: Date;
    archiveExists: boolean;
    batchSize: number;
    /** How long a batch is sized to take (the pacing of archive-rides.ts). */
    targetMs: number;
    began: number;
  },
): Promise<TaskResult> {
  const referenced = o.refs.blockers.length + o.refs.dependents.length > 0;
  const {
    rows: [found],
  } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM public.rides r WHERE ${o.movable}`);
  const total = Number(found.n);
  const batches = Math.ceil(total / o.batchSize);
  const kept = referenced ? await keptBy(client, o.refs, o.old) : undefined;
  const withDeps: Record<string, number> = {};
  for (const d of o.refs.dependents) {
    withDeps[d.table] = Number(
      (await client.query(`SELECT count(*) AS n FROM ${d.table} d WHERE ${rowsOf(o.refs, d.table, "d", o.movable)}`))
        .rows[0].n,
    );
  }
  const plan = [
    ...o.refs.dependents.map((d) => `${withDeps[d.table]} rows of ${d.table} move with their rides to ${d.archive}`),
    ...o.refs.blockers.map((b) => `${describeKey(b)} keeps the rides it references`),
  ];
  return {
    task: o.task,
    dryRun: true,
    counts: {
      toMove: total,
      batches,
      batchSize: o.batchSize,
      createArchive: o.archiveExists ? 0 : 1,
      ...(kept ? { kept: kept.total } : {}),
    },
    longestTransactionMs: 0,
    durationMs: performance.now() - o.began,
    details: referenced ? { keptBy: kept?.by, dependents: withDeps, plan } : undefined,
    summary: `would move ${total} rides created before ${o.at.toISOString()} in at most ${batches} batches (${o.batchSize} rides or more each, sized to take about ${o.targetMs} ms)${o.archiveExists ? "" : ", after creating rides_archive"}${plan.length ? `; ${plan.join("; ")}` : ""}${kept ? keptSummary(kept) : ""}`,
  };
}

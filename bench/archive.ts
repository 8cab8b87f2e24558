// Benchmark: the monthly tasks' batched way against the guide's one-shot statements, on the
// same server in the same run, each on its own copy of the same data.
// - rides: archiveRides (batches over heap page ranges, each an INSERT … SELECT + DELETE in one
//   REPEATABLE READ transaction sent in one round trip) against the guide's
//   `INSERT INTO rides_archive SELECT … ; DELETE …` in one transaction;
// - sessions: cleanSessions (batches over heap page ranges) against one `DELETE FROM auth.sessions WHERE …`.
// Also prints where the time went: the tasks' phases, the one-shot's statements.
// Prints rows/s of each, their ratio (target ≥ 0.8) and the longest single transaction of each
// (target ≤ 1 s for the batched way: that is what the app may wait on).
//   npm run bench -- archive                                   (200,000 rides, half to move)
//   BENCH_RIDES=2000000 npm run bench -- archive               (the full size)
import { Client } from "pg";
import { archiveRides } from "../lambdas/tasks/archive-rides";
import { cleanSessions } from "../lambdas/tasks/clean-sessions";
import { freshDatabase, TestDatabase } from "../test/support/db";
import { generateDrivers, generateRides, generateSessions, generateUsers } from "../test/support/generate";
import globalSetup from "../test/support/global-setup";
import globalTeardown from "../test/support/global-teardown";

const RIDES = Number(process.env.BENCH_RIDES ?? 200_000);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? Math.round(RIDES / 4));
const NOW = new Date();
const BEFORE = new Date(NOW.getTime() - 183 * 86_400_000);

async function seeded(): Promise<{ db: TestDatabase; admin: Client }> {
  const db = await freshDatabase();
  const admin = await db.client("supabase_admin");
  await generateUsers(admin, { count: 20_000, seed: 1, now: NOW });
  await generateDrivers(admin, { count: 300, seed: 1, now: NOW });
  // Half the rides older than the cutoff: the 1,000,000 to move out of 2,000,000.
  await generateRides(admin, { count: RIDES, oldFraction: 0.5, olderThanMonths: 7, seed: 1, now: NOW });
  await generateSessions(admin, { count: SESSIONS, expiredFraction: 0.5, seed: 1, now: NOW });
  await admin.query("ANALYZE");
  return { db, admin };
}

async function oneShot(url: string, statements: string[], params: unknown[][]): Promise<{ seconds: number; rows: number; statementMs: number[] }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const t0 = performance.now();
  await client.query("BEGIN");
  let rows = 0;
  const statementMs: number[] = [];
  for (const [i, sql] of statements.entries()) {
    const t = performance.now();
    rows = Math.max(rows, (await client.query(sql, params[i])).rowCount ?? 0);
    statementMs.push(Math.round(performance.now() - t));
  }
  await client.query("COMMIT");
  const seconds = (performance.now() - t0) / 1000;
  await client.end();
  return { seconds, rows, statementMs };
}

/** "setup 120 ms, pages 2,310 ms, …" from a task's details.phasesMs. */
const phasesOf = (details: unknown) =>
  Object.entries((details as { phasesMs?: Record<string, number> } | undefined)?.phasesMs ?? {}).map(([k, ms]) => `${k} ${fmt(ms)} ms`).join(", ");

const rate = (rows: number, seconds: number) => Math.round(rows / seconds);
const fmt = (n: number) => n.toLocaleString("en");

async function main(): Promise<void> {
  await globalSetup();
  try {
    const ours = await seeded();
    const archived = await archiveRides(ours.db.url, { before: BEFORE, batchSize: 5_000 });
    const cleaned = await cleanSessions(ours.db.url, { batchSize: 2_000 });
    await ours.db.drop();

    const guide = await seeded();
    const rides = await oneShot(guide.db.url, [
      // The same archive table the task creates, so both pay for the same indexes.
      "CREATE TABLE public.rides_archive (LIKE public.rides INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (id))",
      "CREATE INDEX rides_archive_created_at_idx ON public.rides_archive (created_at)",
      "INSERT INTO public.rides_archive SELECT * FROM public.rides WHERE created_at < $1",
      "DELETE FROM public.rides WHERE created_at < $1",
    ], [[], [], [BEFORE], [BEFORE]]);
    const sessions = await oneShot(guide.db.url, ["DELETE FROM auth.sessions WHERE not_after < now() - interval '30 days'"], [[]]);
    await guide.db.drop();

    const moved = archived.counts.moved;
    const ridesOurs = rate(moved, archived.durationMs / 1000);
    const ridesGuide = rate(rides.rows, rides.seconds);
    console.log(`rides: ${fmt(RIDES)} rides, ${fmt(moved)} moved`);
    console.log(`  batched move (archiveRides, 5,000 per transaction): ${fmt(ridesOurs)} rows/s, longest transaction ${Math.round(archived.longestTransactionMs)} ms`);
    console.log(`  guide's one-shot INSERT … SELECT + DELETE:           ${fmt(ridesGuide)} rows/s, longest transaction ${Math.round(rides.seconds * 1000)} ms`);
    console.log(`  ratio (batched / one-shot rows per second): ${(ridesOurs / ridesGuide).toFixed(2)} (target >= 0.8); longest batched transaction ${Math.round(archived.longestTransactionMs)} ms (target <= 1000 ms)`);
    const [, , insertMs, deleteMs] = rides.statementMs;
    console.log(`  where the time went: batched ${phasesOf(archived.details)}; one-shot INSERT ${fmt(insertMs)} ms, DELETE ${fmt(deleteMs)} ms`);
    const sOurs = rate(cleaned.counts.sessions, cleaned.durationMs / 1000);
    const sGuide = rate(sessions.rows, sessions.seconds);
    console.log(`sessions: ${fmt(SESSIONS)} sessions, ${fmt(cleaned.counts.sessions)} expired deleted (with ${fmt(cleaned.counts.refreshTokens)} refresh tokens, ${fmt(cleaned.counts.mfaAmrClaims)} MFA claims)`);
    console.log(`  batched cleanSessions (2,000 per transaction): ${fmt(sOurs)} sessions/s, longest transaction ${Math.round(cleaned.longestTransactionMs)} ms`);
    console.log(`  guide's one-shot DELETE:                      ${fmt(sGuide)} sessions/s, longest transaction ${Math.round(sessions.seconds * 1000)} ms`);
    console.log(`  ratio (batched / one-shot): ${(sOurs / sGuide).toFixed(2)} (target >= 0.8); longest batched transaction ${Math.round(cleaned.longestTransactionMs)} ms (target <= 1000 ms)`);
    console.log(`  where the time went: batched ${phasesOf(cleaned.details)}; one-shot DELETE ${fmt(sessions.statementMs[0])} ms`);
  } finally {
    await globalTeardown();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

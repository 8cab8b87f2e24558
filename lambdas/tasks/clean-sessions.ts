// Monthly "Suppression des sessions expirées": auth.sessions whose not_after is older than the
// configured age, deleted in batches of one short transaction each; their refresh tokens and
// MFA claims go with them by the foreign keys' cascades, and are counted. Supabase Auth already
// purges expired sessions by itself, so this is a safety net that says what it found (often
// nothing). Sessions without not_after are never touched by the age rule; an optional second
// rule removes sessions inactive for longer than N days.
//
// Cost, against the guide's one DELETE: the cascades (a trigger call per session and child
// table) are most of it and the same either way; a batch is a heap page range deleted in one
// round trip, and the cascaded rows are counted from the transaction's own statistics
// counters rather than by reading the child tables again.
import type { Client } from "pg";
import { batchInOneTrip, runTask } from "../core/session";
import { pageBoundsSql, pageRanges, rowsPerPageSql } from "./page-ranges";
import { phaseTimer, progressOf, TaskOptions, TaskResult } from "../core/task";

export interface CleanSessionsOptions extends TaskOptions {
  /** Sessions whose not_after is older than this many days (guide: 30). */
  expiredDays?: number;
  /** Optional: also sessions not refreshed (refreshed_at, else updated_at) for this many days. */
  inactiveDays?: number;
}

const TASK = "clean-sessions";

/** The sessions the rules pick, on `s`, with the run's cutoffs inlined (computed once, so dry and real runs agree). */
async function ruleOf(client: Client, options: CleanSessionsOptions): Promise<string> {
  const {
    rows: [c],
  } = await client.query<{ expired: string; inactive: string }>(
    "SELECT (now() - make_interval(days => $1))::text AS expired, (now() - make_interval(days => $2))::text AS inactive",
    [options.expiredDays ?? 30, options.inactiveDays ?? 0],
  );
  let sql = `(s.not_after IS NOT NULL AND s.not_after < ${client.escapeLiteral(c.expired)}::timestamptz)`;
  if (options.inactiveDays !== undefined) {
    sql += ` OR coalesce(s.refreshed_at::timestamptz, s.updated_at, s.created_at) < ${client.escapeLiteral(c.inactive)}::timestamptz`;
  }
  return `(${sql})`;
}

export async function cleanSessions(databaseUrl: string, options: CleanSessionsOptions = {}): Promise<TaskResult> {
  return runTask(TASK, databaseUrl, options, (client, began) => run(client, options, began));
}

/** Rows deleted so far by this transaction in each child table (the cascades included). */
const CHILDREN_DELETED = `SELECT pg_stat_get_xact_tuples_deleted('auth.refresh_tokens'::regclass) AS refresh_tokens,
  pg_stat_get_xact_tuples_deleted('auth.mfa_amr_claims'::regclass) AS mfa_amr_claims`;
const childrenOf = (selection: string) => `SELECT
  (SELECT count(*) FROM auth.refresh_tokens WHERE session_id IN (SELECT s.id FROM auth.sessions s WHERE ${selection})) AS refresh_tokens,
  (SELECT count(*) FROM auth.mfa_amr_claims WHERE session_id IN (SELECT s.id FROM auth.sessions s WHERE ${selection})) AS mfa_amr_claims`;

async function run(client: Client, options: CleanSessionsOptions, began: number): Promise<TaskResult> {
  const batchSize = options.batchSize ?? 2_000;
  const where = await ruleOf(client, options);
  const rule = `not_after older than ${options.expiredDays ?? 30} days${options.inactiveDays !== undefined ? ` or inactive for ${options.inactiveDays} days` : ""}`;
  if (options.dryRun) {
    const {
      rows: [found],
    } = await client.query<{ sessions: string; refresh_tokens: string; mfa_amr_claims: string }>(
      `SELECT (SELECT count(*) FROM auth.sessions s WHERE ${where}) AS sessions, c.* FROM (${childrenOf(where)}) c`,
    );
    const total = Number(found.sessions);
    const batches = Math.ceil(total / batchSize);
    return {
      task: TASK,
      dryRun: true,
      longestTransactionMs: 0,
      durationMs: performance.now() - began,
      counts: {
        sessions: total,
        refreshTokens: Number(found.refresh_tokens),
        mfaAmrClaims: Number(found.mfa_amr_claims),
        batches,
        batchSize,
      },
      summary: total
        ? `would delete ${total} sessions (${rule}) with ${found.refresh_tokens} refresh tokens and ${found.mfa_amr_claims} MFA claims, in ${batches} batches of ${batchSize}`
        : `no session matches (${rule}): nothing to delete`,
    };
  }
  const timer = phaseTimer(began);
  // How many, and the heap pages they lie on; then the pages in ranges of about a batch.
  const {
    rows: [found],
  } = await client.query<{ n: string; first: number | null; last: number | null; per_page: number; counted: boolean }>(
    `SELECT count(*) AS n, ${pageBoundsSql("s")}, ${rowsPerPageSql("auth.sessions")} AS per_page,
       current_setting('track_counts')::bool AS counted
     FROM auth.sessions s WHERE ${where}`,
  );
  const total = Number(found.n);
  timer.mark("setup");
  const counts = { sessions: 0, refreshTokens: 0, mfaAmrClaims: 0, batches: 0 };
  let longest = 0;
  const started = performance.now();
  const remove = async (selection: string): Promise<number> => {
    // Statistics counters off (never on Supabase): count the children before deleting instead.
    const statements = found.counted
      ? [CHILDREN_DELETED, `DELETE FROM auth.sessions s WHERE ${selection}`, CHILDREN_DELETED]
      : [childrenOf(selection), `DELETE FROM auth.sessions s WHERE ${selection}`];
    const {
      results: [first, deleted, last],
      ms,
    } = await batchInOneTrip(client, statements);
    // With counters: what this transaction deleted between the two reads; without: the children counted before.
    const cascaded = (k: "refresh_tokens" | "mfa_amr_claims") =>
      last ? Number(last.rows[0][k]) - Number(first.rows[0][k]) : Number(first.rows[0][k]);
    longest = Math.max(longest, ms);
    const n = deleted.rowCount ?? 0;
    if (n) {
      counts.sessions += n;
      counts.refreshTokens += cascaded("refresh_tokens");
      counts.mfaAmrClaims += cascaded("mfa_amr_claims");
      counts.batches += 1;
      options.onProgress?.(progressOf(counts.sessions, total, started));
    }
    return n;
  };
  if (found.first !== null && found.last !== null) {
    for (const range of pageRanges("s", found.first, found.last, found.per_page, batchSize))
      await remove(`${range} AND ${where}`);
  }
  timer.mark("pages");
  // Sessions the pages missed (updated behind the pass): the empty read that ends this loop is
  // the proof that none matching the rules is left.
  for (let idle = 0; ;) {
    const picked = `s.ctid = ANY (ARRAY(SELECT s.ctid FROM auth.sessions s WHERE ${where} LIMIT ${Number(batchSize)})) AND ${where}`;
    if (!(await client.query(`SELECT 1 FROM auth.sessions s WHERE ${where} LIMIT 1`)).rowCount) break;
    if ((await remove(picked)) === 0 && ++idle >= 5)
      throw new Error(`sessions keep changing while being deleted; ${counts.sessions} deleted so far, re-run later`);
  }
  timer.mark("stragglers");
  return {
    task: TASK,
    dryRun: false,
    counts,
    longestTransactionMs: Math.round(longest),
    durationMs: performance.now() - began,
    details: { phasesMs: timer.phases },
    summary: counts.sessions
      ? `deleted ${counts.sessions} sessions (${rule}) with ${counts.refreshTokens} refresh tokens and ${counts.mfaAmrClaims} MFA claims`
      : `no session matched (${rule}): nothing to delete (an earlier run or Supabase Auth removed them)`,
  };
}

// Monthly "Suppression des sessions expirées": auth.sessions whose not_after is older than the
// configured age, deleted in batches of one short transaction each; their refresh tokens and
// MFA claims go with them by the foreign keys' cascades, and are counted. Supabase Auth already
// purges expired sessions by itself, so this is a safety net that says what it found (often
// nothing). Sessions without not_after are never touched by the age rule; an optional second
// rule removes sessions inactive for longer than N days.
import type { Client } from "pg";
import { inTransaction, runTask } from "./session";
import { progressOf, TaskOptions, TaskResult } from "./types";

export interface CleanSessionsOptions extends TaskOptions {
  /** Sessions whose not_after is older than this many days (guide: 30). */
  expiredDays?: number;
  /** Optional: also sessions not refreshed (refreshed_at, else updated_at) for this many days. */
  inactiveDays?: number;
}

const TASK = "clean-sessions";

function whereClause(options: CleanSessionsOptions): { sql: string; params: number[] } {
  const params = [options.expiredDays ?? 30];
  let sql = "(s.not_after IS NOT NULL AND s.not_after < now() - make_interval(days => $1))";
  if (options.inactiveDays !== undefined) {
    params.push(options.inactiveDays);
    sql += ` OR coalesce(s.refreshed_at::timestamptz, s.updated_at, s.created_at) < now() - make_interval(days => $2)`;
  }
  return { sql, params };
}

export async function cleanSessions(databaseUrl: string, options: CleanSessionsOptions = {}): Promise<TaskResult> {
  return runTask(TASK, databaseUrl, options, (client, began) => run(client, options, began));
}

async function run(client: Client, options: CleanSessionsOptions, began: number): Promise<TaskResult> {
  const batchSize = options.batchSize ?? 2_000;
  const where = whereClause(options);
  const rule = `not_after older than ${options.expiredDays ?? 30} days${options.inactiveDays !== undefined ? ` or inactive for ${options.inactiveDays} days` : ""}`;
  const { rows: [found] } = await client.query<{ sessions: string; refresh_tokens: string; mfa_amr_claims: string }>(
    `WITH v AS (SELECT id FROM auth.sessions s WHERE ${where.sql})
     SELECT (SELECT count(*) FROM v) AS sessions,
            (SELECT count(*) FROM auth.refresh_tokens WHERE session_id IN (SELECT id FROM v)) AS refresh_tokens,
            (SELECT count(*) FROM auth.mfa_amr_claims WHERE session_id IN (SELECT id FROM v)) AS mfa_amr_claims`,
    where.params,
  );
  const total = Number(found.sessions);
  const batches = Math.ceil(total / batchSize);
  if (options.dryRun) {
    return {
      task: TASK, dryRun: true, longestTransactionMs: 0, durationMs: performance.now() - began,
      counts: { sessions: total, refreshTokens: Number(found.refresh_tokens), mfaAmrClaims: Number(found.mfa_amr_claims), batches, batchSize },
      summary: total ? `would delete ${total} sessions (${rule}) with ${found.refresh_tokens} refresh tokens and ${found.mfa_amr_claims} MFA claims, in ${batches} batches of ${batchSize}` : `no session matches (${rule}): Supabase Auth already cleaned them`,
    };
  }
  const counts = { sessions: 0, refreshTokens: 0, mfaAmrClaims: 0, batches: 0 };
  let longest = 0;
  const started = performance.now();
  // Keyset on id: each batch starts after the last id seen, so it never re-walks the dead
  // index entries of sessions already deleted (they stay until the next vacuum).
  let after = "00000000-0000-0000-0000-000000000000";
  const next = where.params.length + 1;
  for (;;) {
    // Cascaded rows are counted in the same snapshot as the delete that removes them.
    const { value, ms } = await inTransaction(client, () =>
      client.query<{ sessions: string; refresh_tokens: string; mfa_amr_claims: string; last: string | null }>(
        `WITH picked AS (SELECT id FROM auth.sessions s WHERE (${where.sql}) AND s.id > $${next}::uuid ORDER BY id LIMIT ${Number(batchSize)} FOR UPDATE SKIP LOCKED),
              rt AS (SELECT count(*) AS n FROM auth.refresh_tokens WHERE session_id IN (SELECT id FROM picked)),
              mfa AS (SELECT count(*) AS n FROM auth.mfa_amr_claims WHERE session_id IN (SELECT id FROM picked)),
              deleted AS (DELETE FROM auth.sessions s USING picked p WHERE s.id = p.id RETURNING s.id)
         SELECT (SELECT count(*) FROM deleted) AS sessions, (SELECT n FROM rt) AS refresh_tokens, (SELECT n FROM mfa) AS mfa_amr_claims,
                (SELECT max(id::text) FROM picked) AS last`,
        [...where.params, after],
      ),
    );
    longest = Math.max(longest, ms);
    const row = value.rows[0];
    if (row.last === null) break;
    after = row.last;
    counts.sessions += Number(row.sessions);
    counts.refreshTokens += Number(row.refresh_tokens);
    counts.mfaAmrClaims += Number(row.mfa_amr_claims);
    counts.batches += 1;
    options.onProgress?.(progressOf(counts.sessions, total, started));
  }
  return {
    task: TASK, dryRun: false, counts, longestTransactionMs: Math.round(longest), durationMs: performance.now() - began,
    summary: counts.sessions
      ? `deleted ${counts.sessions} sessions (${rule}) with ${counts.refreshTokens} refresh tokens and ${counts.mfaAmrClaims} MFA claims`
      : `no session matched (${rule}): Supabase Auth already cleaned them`,
  };
}

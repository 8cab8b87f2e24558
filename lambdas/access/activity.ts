// "Connected recently": PostgreSQL keeps no last login, so the daily list samples who is
// connected (pg_stat_activity) into its run record, and the monthly review reads the last ~35
// days of those records to say when each login role was last seen.
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Client } from "pg";
import { RECORDS_PREFIX } from "../core/contract";
import { listObjects } from "../lib/s3";
import type { Account } from "./accounts";

/** The daily check whose details are the sample. */
export const ACTIVITY_SAMPLE_CHECK = "db-activity-sample";
/** Where its samples are: the daily list's run records. */
export const DAILY_RECORDS_PREFIX = `${RECORDS_PREFIX}daily/`;
/** How far back the review reads, and how long a role may go unseen before its credential is stale. */
export const ACTIVITY_WINDOW_DAYS = 35;
export const STALE_LOGIN_DAYS = 30;

export interface ActivitySample {
  sampledAt: string;
  /** Roles with a session then (the sampling session left out), with their oldest session's start. */
  roles: { name: string; sessions: number; since: string | null }[];
}

export async function sampleActivity(client: Client, now: Date): Promise<ActivitySample> {
  const { rows } = await client.query<{ name: string; sessions: number; since: Date | null }>(
    `SELECT usename::text AS name, count(*)::int AS sessions, min(backend_start) AS since
       FROM pg_stat_activity
      WHERE usename IS NOT NULL AND pid <> pg_backend_pid()
      GROUP BY usename ORDER BY usename`,
  );
  return {
    sampledAt: now.toISOString(),
    roles: rows.map((r) => ({ name: r.name, sessions: r.sessions, since: r.since?.toISOString() ?? null })),
  };
}

export interface ActivityHistory {
  /** Samples read, and the oldest one's time (how far back "not seen" reaches). */
  samples: number;
  oldest?: string;
  lastSeen: Map<string, string>;
  /** Records that could not be read, by key. */
  unreadable: string[];
}

const dayKey = (d: Date) => d.toISOString().slice(0, 10);

/** The samples of the daily records of the last ACTIVITY_WINDOW_DAYS days: each role's last sighting. */
export async function activityHistory(s3: S3Client, bucket: string, now: Date): Promise<ActivityHistory> {
  const from = dayKey(new Date(now.getTime() - ACTIVITY_WINDOW_DAYS * 86_400_000));
  // Keys are the day (YYYY-MM-DD…): every key of the first day sorts after the bare day, every
  // older one before it, so S3 lists the window only, not a year of records.
  const keys = (await listObjects(s3, bucket, DAILY_RECORDS_PREFIX, { startAfter: `${DAILY_RECORDS_PREFIX}${from}` }))
    .map((o) => o.Key!)
    .filter((k) => k.endsWith(".json"))
    .sort();
  const history: ActivityHistory = { samples: 0, lastSeen: new Map(), unreadable: [] };
  for (const key of keys) {
    let sample: ActivitySample | undefined;
    try {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
      const record = JSON.parse(body) as { results?: { id: string; details?: ActivitySample }[] };
      sample = record.results?.find((r) => r.id === ACTIVITY_SAMPLE_CHECK)?.details;
    } catch (error) {
      history.unreadable.push(`s3://${bucket}/${key}: ${(error as Error).message}`);
    }
    if (!sample?.sampledAt || !Array.isArray(sample.roles)) continue;
    addSample(history, sample);
  }
  return history;
}

/** A sample into the history (the review adds its own, taken now). */
export function addSample(history: ActivityHistory, sample: ActivitySample): void {
  history.samples++;
  if (!history.oldest || sample.sampledAt < history.oldest) history.oldest = sample.sampledAt;
  for (const r of sample.roles) {
    const seen = history.lastSeen.get(r.name);
    if (!seen || seen < sample.sampledAt) history.lastSeen.set(r.name, sample.sampledAt);
  }
}

/** When a role was last seen, or how long it was not (undefined: too few days of samples to say). */
export function lastLogin(
  history: ActivityHistory,
  role: string,
  now: Date,
): { lastSeen: string } | { notSeenDays: number } | undefined {
  const seen = history.lastSeen.get(role);
  if (seen) return { lastSeen: seen };
  if (!history.oldest) return undefined;
  const days = Math.floor((now.getTime() - new Date(history.oldest).getTime()) / 86_400_000);
  return days >= STALE_LOGIN_DAYS ? { notSeenDays: days } : undefined;
}

/**
 * Each PostgreSQL account's last sighting (connected now counts) into its info; a non-service
 * role unseen for STALE_LOGIN_DAYS or more gets `unseen` (a stale credential once approved).
 */
export function applyLastLogins(accounts: Account[], history: ActivityHistory, now: Date): void {
  for (const a of accounts) {
    if (a.system !== "postgres") continue;
    const login =
      (a.info?.connectedNow as number) > 0 ? { lastSeen: now.toISOString() } : lastLogin(history, a.name, now);
    a.info = { ...a.info, ...(login ?? { lastSeen: null }) };
    if (login && "notSeenDays" in login && !a.service)
      a.unseen = `not seen in ${login.notSeenDays} days (daily connection samples since ${history.oldest!.slice(0, 10)}): remove the role or disable its login`;
  }
}

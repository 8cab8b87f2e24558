// Shared by the backup tests: a loaded database, and per-table digests to compare two databases.
import type { Client } from "pg";
import { connect, superuserUrl } from "../support/db";
import { generateDrivers, generateRides, generateSessions, generateUsers } from "../support/generate";

export const NOW = new Date("2026-11-20T06:00:00Z");

/** Users, drivers, sessions (with their cascaded rows) and rides, as a superuser. */
export async function loadData(admin: Client, rides = 20_000): Promise<void> {
  await generateUsers(admin, { count: 2_000, seed: 11, now: NOW });
  await generateDrivers(admin, { count: 40, seed: 11, now: NOW });
  await generateSessions(admin, { count: 3_000, seed: 11, now: NOW });
  await generateRides(admin, { count: rides, oldFraction: 0.3, olderThanMonths: 7, seed: 11, now: NOW });
}

/** `schema.table` → "rows:md5 over every column of every row" for the given tables. */
export async function tableDigests(url: string, tables: string[]): Promise<Record<string, string>> {
  const client = await connect(url);
  try {
    const out: Record<string, string> = {};
    for (const table of tables) {
      const [schema, name] = table.split(".");
      const relation = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
      const {
        rows: [r],
      } = await client.query(
        `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS d FROM ${relation} t`,
      );
      out[table] = `${r.n}:${r.d}`;
    }
    return out;
  } finally {
    await client.end();
  }
}

/** An empty database on the test bed's cluster, as the restore target; dropped by the returned function. */
export async function emptyDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = await connect(superuserUrl());
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: superuserUrl(name),
    drop: async () => {
      const c = await connect(superuserUrl());
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

// Checks that see the whole server, on a PostgreSQL of their own (the shared test bed's other
// files would change what they count): replication slots, which need wal_level = logical for
// a logical one, and the connection count database-reachable and activity share. Connected as
// a non-superuser `postgres`, as on Supabase.
import { Client } from "pg";
import { runCheck } from "../../lambdas/checklist/engine";
import type { Check } from "../../lambdas/core/check";
import { databaseReachable } from "../../lambdas/checks/database-reachable";
import { activityCheck } from "../../lambdas/checks/db/activity";
import { replicationSlotsCheck } from "../../lambdas/checks/db/replication-slots";
import type { DatabaseThresholds } from "../../lambdas/core/database-thresholds";
import { pgUrl, startPgServer, stopPgServer, type PgServer } from "../support/pg-server";
import { checkContext, detailsOf, runChecked } from "../support/db-checks";

let server: PgServer;
const clients: Client[] = [];
const url = (role: string) => pgUrl(server, role, server.password, "postgres");
async function connect(role: string): Promise<Client> {
  const c = new Client({ connectionString: url(role) });
  await c.connect();
  clients.push(c);
  return c;
}
const d = detailsOf;
const ctx = (database: Partial<DatabaseThresholds> = {}) => checkContext(url("postgres"), database);
const run = (check: Check, database: Partial<DatabaseThresholds> = {}) => runChecked(check, ctx(database));

let admin: Client;
beforeAll(async () => {
  server = await startPgServer({ settings: { wal_level: "logical" } });
  admin = await connect(server.superuser);
  await admin.query(`CREATE ROLE postgres LOGIN NOSUPERUSER PASSWORD ${admin.escapeLiteral(server.password)}`);
}, 120_000);
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.end()));
  if (server) await stopPgServer(server);
});

describe("replication-slots", () => {
  it("no slot: ok", async () => {
    expect(await run(replicationSlotsCheck)).toMatchObject({
      status: "ok",
      summary: "no replication slot",
      details: { inactive: [], active: [] },
    });
  });

  it("an abandoned physical and logical slot, with the WAL they retain; fails above the configured size", async () => {
    const lsn = async () => (await admin.query("SELECT pg_current_wal_lsn()::text AS l")).rows[0].l as string;
    // Physical, reserving WAL at once (as a replica's slot does); logical, as a CDC tool's.
    await admin.query("SELECT pg_create_physical_replication_slot('replica_gone', true)");
    await admin.query("SELECT pg_create_logical_replication_slot('cdc_gone', 'test_decoding')");
    const from = await lsn();
    await admin.query(
      "CREATE TABLE rides_wal (id int, v text); INSERT INTO rides_wal SELECT i, md5(i::text) FROM generate_series(1, 200000) i",
    );
    const {
      rows: [{ written }],
    } = await admin.query("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::float8 AS written", [from]);
    expect(written).toBeGreaterThan(2 * 1024 ** 2);

    const result = await run(replicationSlotsCheck);
    expect(result.status).toBe("warn");
    const bySlot = Object.fromEntries(d(result).inactive.map((s: any) => [s.slot, s]));
    expect(bySlot.replica_gone).toMatchObject({
      type: "physical",
      plugin: null,
      database: null,
      walStatus: "reserved",
      status: "warn",
      statement: "SELECT pg_drop_replication_slot('replica_gone');",
    });
    expect(bySlot.cdc_gone).toMatchObject({
      type: "logical",
      plugin: "test_decoding",
      database: "postgres",
      walStatus: "reserved",
      status: "warn",
      catalogXminAge: expect.any(Number),
    });
    for (const s of [bySlot.replica_gone, bySlot.cdc_gone]) expect(s.retainedBytes).toBeGreaterThanOrEqual(written);
    expect(result.summary).toMatch(
      /^2 inactive replication slot\(s\): .*replica_gone \(physical, [\d.]+ MB of WAL, reserved\)/,
    );
    expect(result.summary).toMatch(/cdc_gone \(logical test_decoding, [\d.]+ MB of WAL, reserved\)/);
    expect(result.metrics).toMatchObject({ inactiveReplicationSlots: 2 });

    const over = await run(replicationSlotsCheck, { replicationSlotRetainedBytesFail: 1024 ** 2 });
    expect(over.status).toBe("fail");
    expect(d(over).inactive.map((s: any) => s.status)).toEqual(["fail", "fail"]);
    // Under the threshold still warns: an unused slot only grows.
    expect((await run(replicationSlotsCheck, { replicationSlotRetainedBytesFail: 10 * written })).status).toBe("warn");
  });

  it("the statements given drop them; then ok", async () => {
    for (const s of d(await run(replicationSlotsCheck)).inactive) await admin.query(s.statement);
    expect(await run(replicationSlotsCheck)).toMatchObject({ status: "ok", summary: "no replication slot" });
  });
});

describe("connections", () => {
  it("database-reachable and activity count the same: client sessions of the server, other roles' included, background processes not", async () => {
    const held = [await connect("postgres"), await connect("postgres"), await connect(server.superuser)];
    expect(held).toHaveLength(3);
    const reachable = await runCheck(databaseReachable, ctx());
    const activity = await run(activityCheck);
    // Ours: every client still open, plus the check's own session.
    const ours = clients.length + 1;
    expect(reachable.status).toBe("ok");
    expect(d(reachable).connections).toBe(ours);
    expect(d(activity).connections).toMatchObject({ used: ours, max: 200 });
    expect(reachable.metrics!.connections).toBe(activity.metrics!.connections);
    expect(reachable.summary).toContain(`${ours}/200 connections`);
    // pg_stat_activity also lists the checkpointer, walwriter, autovacuum launcher, ….
    const {
      rows: [{ all }],
    } = await admin.query("SELECT count(*)::int AS all FROM pg_stat_activity");
    expect(all).toBeGreaterThan(clients.length);
  });

  it("both judge against the same thresholds", async () => {
    const low = { connectionsWarn: 0.001, connectionsFail: 0.5 };
    expect((await runCheck(databaseReachable, ctx(low))).status).toBe("warn");
    expect((await run(activityCheck, low)).status).toBe("warn");
    const lower = { connectionsWarn: 0.001, connectionsFail: 0.002 };
    expect(await runCheck(databaseReachable, ctx(lower))).toMatchObject({
      status: "fail",
      summary: expect.stringContaining("(≥ 0.2% of max_connections)"),
    });
    expect((await run(activityCheck, lower)).status).toBe("fail");
  });
});

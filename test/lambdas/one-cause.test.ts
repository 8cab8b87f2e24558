// Issue 19, "one cause, one page": an unreachable database fails one check with the reason and
// skips the others (no incident of their own); the checks of a run share one session; a run
// record that cannot be written loses no result and is its own incident.
import { runChecklist } from "../../lambdas/checklist/engine";
import type { IncidentSink } from "../../lambdas/checklist/incidents";
import { DATABASE_CHECKS } from "../../lambdas/checks/db";
import { databaseReachable } from "../../lambdas/checks/database-reachable";
import type { IncidentMessage } from "../../lambdas/core/contract";
import { DEFAULT_INPUTS, type TaskInputs } from "../../lambdas/core/inputs";
import { noMetrics } from "../../lambdas/core/metrics";
import { useFreshDatabase } from "../support/db";
import { closedPort } from "../support/http";
import { startS3 } from "../support/s3";
import { startSilentServer } from "../support/silent-server";

const collect = (): IncidentSink & { raised: IncidentMessage[] } => {
  const raised: IncidentMessage[] = [];
  return { raised, raise: async (incident) => void raised.push(incident) };
};
const inputs = (databaseUrl: string, over: Partial<TaskInputs> = {}): TaskInputs => ({
  ...DEFAULT_INPUTS,
  checkLevels: {},
  taskName: "db-check",
  databaseUrl: async () => databaseUrl,
  ...over,
});
const run = (url: string, incidents: IncidentSink, over: Partial<TaskInputs> = {}) =>
  runChecklist("db", {
    inputs: inputs(url, over),
    incidents,
    metrics: noMetrics,
    checks: [databaseReachable, ...DATABASE_CHECKS],
  });

describe("one cause, one page (issue 19: a wrong password paged six database incidents, one at level 3)", () => {
  const db = useFreshDatabase();

  it("a wrong password: database-reachable fails once with the reason 'auth', every other database check is skipped", async () => {
    const url = new URL(db().url);
    url.password = "rotated-password-7";
    const incidents = collect();
    const record = await run(url.toString(), incidents);
    const [first, ...others] = record.results;
    expect(first).toMatchObject({ id: "database-reachable", status: "fail", level: 2, details: { reason: "auth" } });
    expect(first.summary).toMatch(
      /^database unreachable \(auth\): cannot connect to postgres(ql)?:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\S+: password authentication failed/,
    );
    expect(others.length).toBe(DATABASE_CHECKS.length);
    for (const r of others) expect(r).toMatchObject({ status: "skipped", summary: "skipped: database unreachable" });
    for (const r of others) expect(r.level).toBeUndefined();
    expect(incidents.raised.map((i) => i.dedupKey)).toEqual(["elegance-mobilite/db/database-reachable"]);
    expect(record.status).toBe("fail");
    expect(JSON.stringify(record)).not.toContain("rotated-password-7");
  });

  it("names the reason: refused for a closed port, DNS for an unknown host", async () => {
    const refused = await run(`postgresql://postgres:x@127.0.0.1:${await closedPort()}/postgres`, collect());
    expect(refused.results[0]).toMatchObject({ status: "fail", details: { reason: "refused" } });
    const dns = await run("postgresql://postgres:x@no-such-host.invalid:5432/postgres", collect());
    expect(dns.results[0]).toMatchObject({ status: "fail", details: { reason: "DNS" } });
    expect(dns.results.slice(1).every((r) => r.status === "skipped")).toBe(true);
  });

  it("a database URL that cannot be read (Secrets Manager down) is the same one cause, not a crash of the run", async () => {
    const incidents = collect();
    const record = await runChecklist("db", {
      inputs: inputs("unused", {
        databaseUrl: async () => Promise.reject(new Error("AccessDeniedException: secretsmanager:GetSecretValue")),
      }),
      incidents,
      metrics: noMetrics,
      checks: [databaseReachable, ...DATABASE_CHECKS],
    });
    expect(record.results[0]).toMatchObject({
      status: "fail",
      details: { reason: "secret" },
      summary: expect.stringContaining("AccessDeniedException"),
    });
    expect(record.results.slice(1).every((r) => r.status === "skipped")).toBe(true);
    expect(incidents.raised).toHaveLength(1);
  });

  it("a server that accepts and never answers costs one connect timeout, not one per check", async () => {
    const silent = await startSilentServer();
    try {
      const began = Date.now();
      const record = await run(`postgresql://postgres:x@127.0.0.1:${silent.port}/postgres`, collect());
      const ms = Date.now() - began;
      expect(record.results[0]).toMatchObject({ status: "fail", details: { reason: "timeout" } });
      expect(record.results.slice(1).map((r) => r.status)).toEqual(DATABASE_CHECKS.map(() => "skipped"));
      expect(silent.accepted()).toBe(1);
      // pg's connect timeout is 10 s (lambdas/core/pg.ts): one of them, not nine.
      expect(ms).toBeLessThan(15_000);
    } finally {
      await silent.close();
    }
  }, 30_000);

  it("a reachable database: all the checks run on one shared session (one connection for the run)", async () => {
    const admin = await db().client("supabase_admin");
    // Sessions established on this database, counted by the server (pg_stat_database.sessions, PG 14+;
    // a session is counted when it ends).
    const sessions = async () => {
      await admin.query("SELECT pg_stat_clear_snapshot()");
      return (
        await admin.query<{ n: number }>("SELECT sessions::int AS n FROM pg_stat_database WHERE datname = $1", [
          db().name,
        ])
      ).rows[0].n;
    };
    const before = await sessions();
    const record = await run(db().url, collect());
    expect(record.results.map((r) => r.status).filter((s) => s === "skipped" || s === "fail")).toEqual([]);
    let after = await sessions();
    for (let i = 0; i < 20 && after === before; i++)
      after = await new Promise((r) => setTimeout(r, 100)).then(sessions);
    expect(after - before).toBe(1);
  });
});

describe("a run record that cannot be written (issue 19: the results were thrown away)", () => {
  const db = useFreshDatabase();

  it("keeps every result, says which bucket, and raises its own incident", async () => {
    const s3 = await startS3();
    try {
      const incidents = collect();
      const record = await runChecklist("db", {
        inputs: inputs(db().url, { logsBucket: "nosuch-logs" }),
        incidents,
        metrics: noMetrics,
        s3: s3.client,
        checks: [databaseReachable],
      });
      expect(record.results).toEqual([expect.objectContaining({ id: "database-reachable", status: "ok" })]);
      expect(record.recordKey).toBeUndefined();
      expect(record.recordError).toMatch(
        /^run record not written to s3:\/\/nosuch-logs\/reports\/checklists\/db\/: .*bucket does not exist/i,
      );
      expect(incidents.raised).toEqual([
        expect.objectContaining({ check: "run-record", level: 1, summary: record.recordError }),
      ]);
    } finally {
      await s3.stop();
    }
  });
});

// "Connected recently" in the access review: the daily check samples pg_stat_activity on the
// real test-bed PostgreSQL into the daily run record (written to the S3-protocol server), and
// the monthly review reads the last ~35 days of records back to date each login role.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { Client } from "pg";
import { activitySampleCheck } from "../../lambdas/checks/db-activity-sample";
import { inputsFromEnv } from "../../lambdas/core/inputs";
import type { CheckResult } from "../../lambdas/core/check";
import { writeRunRecord } from "../../lambdas/checklist/record";
import { runAccessReview } from "../../lambdas/access/run";
import { accessResult, type ApprovedEntry } from "../../lambdas/access/review";
import { createS3Client } from "../../lambdas/lib/s3";
import { createLoginRole, useFreshDatabase } from "../support/db";
import { startS3, type TestS3 } from "../support/s3";

const NOW = new Date("2026-12-01T03:00:00Z");

describe("access review: connected recently", () => {
  const db = useFreshDatabase();
  let s3: TestS3;
  let seen: Client;
  beforeAll(async () => {
    // Roles are cluster-wide: names unique to this file.
    await createLoginRole("act_seen", "x-seen-pw");
    await createLoginRole("act_idle", "x-idle-pw");
    await createLoginRole("act_ghost", "x-ghost-pw");
    s3 = await startS3();
    await s3.createBucket("logs");
  });
  afterAll(async () => {
    await s3?.stop();
  });

  const sample = async (at: string): Promise<CheckResult> =>
    activitySampleCheck.run({
      inputs: inputsFromEnv({ DATABASE_URL: db().url }),
      signal: new AbortController().signal,
      now: new Date(at),
      metrics: {} as never,
    });
  const record = (at: string, result: CheckResult, bucket = "logs") =>
    writeRunRecord(s3.client, bucket, {
      list: "daily",
      startedAt: at,
      finishedAt: at,
      status: "ok",
      results: [{ id: "db-activity-sample", title: "sample", durationMs: 5, ...result }],
      incidentErrors: [],
    });
  const approved: ApprovedEntry[] = ["act_seen", "act_idle"].map((name) => ({
    name,
    role: "developer",
    systems: ["postgres"],
  }));
  const review = (bucket = "logs") =>
    runAccessReview(
      inputsFromEnv({ DATABASE_URL: db().url, LOGS_BUCKET: bucket }),
      { settings: { approved }, s3: () => s3.client },
      NOW,
    );

  it("samples who is connected, without its own session", async () => {
    seen = await db().client("act_seen", "x-seen-pw");
    const result = await sample("2026-11-20T05:00:00Z");
    await seen.end();
    expect(result.status).toBe("ok");
    const details = result.details as { sampledAt: string; roles: { name: string; sessions: number }[] };
    expect(details.sampledAt).toBe("2026-11-20T05:00:00.000Z");
    expect(details.roles.find((r) => r.name === "act_seen")).toMatchObject({ sessions: 1 });
    expect(details.roles.map((r) => r.name)).not.toContain("act_idle");
    expect(result.summary).toMatch(/role\(s\) connected at 2026-11-20T05:00:00.000Z: .*act_seen/);
    // Its record in the daily list; an older day with nobody; one outside the 35 days that saw act_idle.
    await record("2026-11-20T05:00:00Z", result);
    await record("2026-10-28T05:00:00Z", {
      status: "ok",
      summary: "",
      details: { sampledAt: "2026-10-28T05:00:00Z", roles: [] },
    });
    await record("2026-10-01T05:00:00Z", {
      status: "ok",
      summary: "",
      details: { sampledAt: "2026-10-01T05:00:00Z", roles: [{ name: "act_idle", sessions: 1, since: null }] },
    });
  });

  it("dates each login role and makes an approved role unseen for 30+ days a stale credential", async () => {
    const r = await review();
    expect(r.activity).toMatchObject({ samples: 2, oldest: "2026-10-28T05:00:00Z", unreadable: [] });
    const account = (name: string) => r.accounts.find((a) => a.system === "postgres" && a.name === name)!;
    expect(account("act_seen").info).toMatchObject({ lastSeen: "2026-11-20T05:00:00.000Z" });
    expect(account("act_idle").info).toMatchObject({ notSeenDays: 33 });
    const f = (name: string) =>
      r.findings.filter((x) => x.name === name).map((x) => `${x.status} ${x.problem}: ${x.detail}`);
    expect(f("act_seen")).toEqual([]);
    expect(f("act_idle")).toEqual([
      "warn stale credential: not seen in 33 days (daily connection samples since 2026-10-28): remove the role or disable its login",
    ]);
    // Not approved: that is its finding, not staleness as well.
    expect(f("act_ghost").map((x) => x.split(":")[0])).toEqual(["fail not approved"]);
    // Supabase's service roles are never stale.
    expect(r.findings.filter((x) => x.name === "supabase_admin")).toEqual([]);
    expect(accessResult(r).status).toBe("fail");
  });

  it("says nothing of staleness with fewer than 30 days of samples, and names a record it cannot read", async () => {
    await s3.createBucket("young");
    await record(
      "2026-11-25T05:00:00Z",
      { status: "ok", summary: "", details: { sampledAt: "2026-11-25T05:00:00Z", roles: [] } },
      "young",
    );
    await s3.client.send(
      new PutObjectCommand({ Bucket: "young", Key: "reports/checklists/daily/2026-11-26.json", Body: "{not json" }),
    );
    const r = await review("young");
    expect(r.accounts.find((a) => a.name === "act_idle")!.info).toMatchObject({ lastSeen: null });
    expect(r.findings.filter((x) => x.name === "act_idle")).toEqual([]);

    expect(r.activity!.unreadable).toEqual([
      expect.stringMatching(/^s3:\/\/young\/reports\/checklists\/daily\/2026-11-26\.json: .*JSON/),
    ]);
  });

  it("lists the daily records from the window's first day on, not the year before it", async () => {
    await s3.createBucket("year");
    const at = (day: string) => `${day}T05:00:00Z`;
    const roles = (name: string) => [{ name, sessions: 1, since: null }];
    const put = (day: string, name: string) =>
      record(at(day), { status: "ok", summary: "", details: { sampledAt: at(day), roles: roles(name) } }, "year");
    // A year of weekly records before the window (the last the day before it), each seeing act_idle.
    for (let week = 0; week < 52; week++)
      await put(
        new Date(Date.parse("2025-10-28T00:00:00Z") + week * 7 * 86_400_000).toISOString().slice(0, 10),
        "act_idle",
      );
    await put("2026-10-26", "act_idle");
    // The window's first day twice (the second a re-run, keyed …T05-…), then a later day.
    await put("2026-10-27", "act_ghost");
    await put("2026-10-27", "act_ghost");
    await put("2026-11-15", "act_seen");
    const client = createS3Client(s3.env);
    const listed: string[] = [];
    const startAfter: (string | undefined)[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === "ListObjectsV2Command") {
          startAfter.push((args.input as { StartAfter?: string }).StartAfter);
          listed.push(...((out.output as { Contents?: { Key: string }[] }).Contents ?? []).map((o) => o.Key));
        }
        return out;
      },
      { step: "initialize", name: "listingSpy" },
    );
    const r = await runAccessReview(
      inputsFromEnv({ DATABASE_URL: db().url, LOGS_BUCKET: "year" }),
      { settings: { approved }, s3: () => client },
      NOW,
    );
    expect(startAfter).toEqual(["reports/checklists/daily/2026-10-27"]);
    expect(listed).toEqual([
      "reports/checklists/daily/2026-10-27.json",
      expect.stringMatching(/^reports\/checklists\/daily\/2026-10-27T\d\d-\d\d-\d\d\.json$/),
      "reports/checklists/daily/2026-11-15.json",
    ]);
    expect(r.activity).toMatchObject({ samples: 3, oldest: "2026-10-27T05:00:00Z", unreadable: [] });
    // act_idle was only seen before the window: 35 days of samples say it is stale.
    expect(r.accounts.find((a) => a.name === "act_idle")!.info).toMatchObject({ notSeenDays: 34 });
    expect(r.accounts.find((a) => a.name === "act_ghost")!.info).toMatchObject({ lastSeen: "2026-10-27T05:00:00Z" });
  });
});

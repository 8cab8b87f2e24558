// `ops report weekly --out <dir>` against the test bed: run records written by the check-lists'
// own code and a metrics export written by the export's own code into the S3-protocol server,
// the alarms' history from the SDK mock; the page then opened in headless Chromium, offline.
// @slow: started first (test/support/sequencer.js)
import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../../bin/ops";
import { writeRunRecord } from "../../lambdas/checklist/record";
import type { RunRecord } from "../../lambdas/core/check";
import { exportDay, type ExportedPoint } from "../../lambdas/metrics-export/export";
import type { MaintenanceReport } from "../../lambdas/report/build";
import { addDays, daysBetween, weekDays } from "../../lambdas/lib/week";
import { APP, serveMetrics, syntheticDay } from "../support/metrics";
import { startS3, TestS3 } from "../support/s3";
import { openOffline } from "./browser";

const WEEK = "2026-W48";
const DAYS = weekDays(WEEK);

const record = (day: string, list: string, results: Partial<RunRecord["results"][number]>[]): RunRecord => ({
  list,
  startedAt: `${day}T06:00:00.000Z`,
  finishedAt: `${day}T06:00:09.000Z`,
  status: results.some((r) => r.status === "warn") ? "warn" : "ok",
  results: results.map((r) => ({
    id: "x",
    title: "x",
    status: "ok",
    summary: "ok",
    durationMs: 120,
    ...r,
  })),
  incidentErrors: [],
});

describe("ops report weekly", () => {
  let s3: TestS3;
  let out: string;
  const cloudwatch = mockClient(CloudWatchClient);
  const saved = { ...process.env };
  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket("logs");
    Object.assign(process.env, s3.env, { AWS_REGION: "eu-west-3" });
    // Five weeks of exports: the report's week and the 4 before it (the business comparison).
    const days = daysBetween(addDays(DAYS[0], -28), DAYS[6]);
    const data = new Map<string, ExportedPoint[]>(
      days.map((d) => [d, syntheticDay(d, { outage: d === DAYS[1] ? [600, 612] : undefined })]),
    );
    serveMetrics(cloudwatch, data);
    const client = new CloudWatchClient({ region: "eu-west-3" });
    for (const day of days)
      await exportDay(
        { cloudwatch: client, s3: s3.client, logsBucket: "logs", app: APP, now: new Date(`${day}T23:59:00Z`) },
        day,
      );
    for (const day of DAYS) {
      await writeRunRecord(
        s3.client,
        "logs",
        record(day, "daily", [{ id: "app-health", title: "Santé de l'application" }]),
      );
    }
    await writeRunRecord(
      s3.client,
      "logs",
      record(DAYS[0], "weekly", [
        {
          id: "indexes",
          title: "Index inutilisés ou en double",
          status: "warn",
          level: 1,
          summary: "1 index inutilisé (48 MB)",
          details: {
            unused: [
              {
                index: "public.rides_legacy_idx",
                bytes: 50331648,
                scans: 0,
                statement: "DROP INDEX CONCURRENTLY public.rides_legacy_idx;",
              },
            ],
          },
        },
      ]),
    );
    // The probe's down alarm (level 3) for 12 minutes on Tuesday, the p95 one (level 2) for 75.
    const topic = (n: number) => `arn:aws:sns:eu-west-3:123456789012:${APP}-incidents-level-${n}`;
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: `${APP}-health-probe-down`, AlarmActions: [topic(3)] },
        { AlarmName: `${APP}-health-probe-p95`, AlarmActions: [topic(2)] },
      ],
    });
    const change = (name: string, at: string, state: string) => ({
      AlarmName: name,
      Timestamp: new Date(at),
      HistoryItemType: "StateUpdate" as const,
      HistoryData: JSON.stringify({ newState: { stateValue: state } }),
    });
    cloudwatch.on(DescribeAlarmHistoryCommand).resolves({
      AlarmHistoryItems: [
        change(`${APP}-health-probe-down`, `${DAYS[1]}T10:01:00Z`, "ALARM"),
        change(`${APP}-health-probe-down`, `${DAYS[1]}T10:13:00Z`, "OK"),
        change(`${APP}-health-probe-p95`, `${DAYS[4]}T18:30:00Z`, "ALARM"),
        change(`${APP}-health-probe-p95`, `${DAYS[4]}T19:45:00Z`, "OK"),
        change("another-app-alarm", `${DAYS[4]}T19:45:00Z`, "ALARM"),
      ],
    });
    out = await mkdtemp(path.join(tmpdir(), "weekly-report-"));
  }, 240_000);
  afterAll(async () => {
    process.env = saved;
    cloudwatch.restore();
    await s3?.stop();
  });

  it("writes the JSON (the guide's interface) and the page from the stored data", async () => {
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    const code = await main([
      "report",
      "weekly",
      "--week",
      WEEK,
      "--out",
      out,
      "--logs-bucket",
      "logs",
      "--app",
      APP,
      "--json",
    ]).finally(() => {
      stderr.mockRestore();
      stdout.mockRestore();
    });
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(path.join(out, `${WEEK}.json`), "utf8")) as MaintenanceReport;
    expect(DAYS).toEqual([
      "2026-11-23",
      "2026-11-24",
      "2026-11-25",
      "2026-11-26",
      "2026-11-27",
      "2026-11-28",
      "2026-11-29",
    ]);
    // 12 minutes down out of the week's 10,080 probed.
    expect(report.uptimeDetail).toMatchObject({ minutesProbed: 10080, minutesUp: 10068 });
    expect(report.uptime).toBe(99.881);
    expect(report.uptimeDetail.days[1]).toEqual({ day: "2026-11-24", percent: 99.17 });
    expect(report.performance.latency.days).toHaveLength(7);
    // The evening rush (18-21 h UTC) is the slowest.
    expect(report.performance.latency.slowestHours[0].hour).toMatch(/T(18|19|20):00Z$/);
    expect(report.performance.tasks).toEqual([
      expect.objectContaining({ task: "backup", metric: "BackupSeconds", runs: 7 }),
    ]);
    expect(report.incidents.map((i) => [i.source, i.name, i.level, i.durationMinutes, i.responseMet])).toEqual([
      ["checklist", "weekly/indexes", 1, undefined, undefined],
      ["alarm", `${APP}-health-probe-down`, 3, 12, true],
      ["alarm", `${APP}-health-probe-p95`, 2, 75, false],
    ]);
    expect(report.recommendations).toEqual([
      expect.stringContaining("DROP INDEX CONCURRENTLY public.rides_legacy_idx;"),
    ]);
    const rides = report.business.find((b) => b.metric === "RidesCreated")!;
    expect(rides.days.every((d) => d.value! > 0)).toBe(true);
    expect(rides.previousWeeksAverage).toBeGreaterThan(0);
  });

  it("opens in headless Chromium offline: no console error, no request out, every chart an SVG with data marks", async () => {
    const file = path.join(out, `${WEEK}.html`);
    const page = await openOffline(file, path.join(out, "screenshot.png"));
    try {
      expect(page.consoleErrors).toEqual([]);
      expect(page.blockedRequests).toEqual([]);
      expect(page.charts).toHaveLength(4);
      for (const chart of page.charts) expect(chart).toMatchObject({ svg: true, marks: expect.any(Number) });
      expect(Math.min(...page.charts.map((c) => c.marks))).toBeGreaterThan(0);
      expect(page.text).toContain("99,881 %");
      // Nothing wider than a phone's screen but the tables' own scroll boxes.
      expect(page.phoneOverflow).toBe(false);
    } finally {
      await page.close();
    }
    expect((await readFile(path.join(out, "screenshot.png"))).length).toBeGreaterThan(10_000);
  });
});

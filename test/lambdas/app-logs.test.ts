// The daily log check against the real S3-protocol server, reading objects written by the
// ingest code itself (so the two agree on keys, dates and format).
import { createHmac } from "node:crypto";
import { runCheck } from "../../lambdas/checklist/engine";
import { appLogsCheck, normaliseMessage } from "../../lambdas/checks/app-logs";
import { DEFAULT_LOG_THRESHOLDS } from "../../lambdas/core/log-thresholds";
import { DEFAULT_INPUTS, inputsFromEnv, TaskInputs } from "../../lambdas/core/inputs";
import { noMetrics } from "../../lambdas/core/metrics";
import { ingestDelivery } from "../../lambdas/logs/ingest";
import { useBucketPerTest } from "../support/s3";

const SECRET = "drain-secret";
const HOUR = 3_600_000;

const logs = useBucketPerTest("logs");

const check = appLogsCheck(() => logs.s3().client);
const inputs = (over: Partial<TaskInputs> = {}): TaskInputs => ({
  ...DEFAULT_INPUTS,
  checkLevels: {},
  taskName: "daily-checklist",
  logsBucket: logs.bucket(),
  logs: { drainEnabled: true, thresholds: DEFAULT_LOG_THRESHOLDS },
  ...over,
});
const run = (i: TaskInputs, now = new Date()) => runCheck(check, { inputs: i, now, metrics: noMetrics });

/** Delivers entries through the ingest code, signed, as Vercel would. */
async function deliver(entries: object[]): Promise<void> {
  const body = Buffer.from(entries.map((e) => JSON.stringify(e)).join("\n"));
  const signature = createHmac("sha1", SECRET).update(body).digest("hex");
  const response = await ingestDelivery(
    { method: "POST", headers: { "x-vercel-signature": signature }, body },
    {
      secret: SECRET,
      maxBytes: 4 << 20,
      s3: logs.s3().client,
      bucket: logs.bucket(),
      appName: "app",
      metrics: noMetrics,
    },
  );
  expect(response.statusCode).toBe(200);
}

let ids = 0;
const ago = (hours: number) => Date.now() - hours * HOUR;
const stdout = (hoursAgo: number, message = "GET /api/rides 200") => ({
  id: `o${++ids}`,
  timestamp: ago(hoursAgo),
  source: "lambda",
  type: "stdout",
  level: "info",
  message,
});
const stderr = (hoursAgo: number, message: string) => ({
  id: `e${++ids}`,
  timestamp: ago(hoursAgo),
  source: "lambda",
  type: "stderr",
  level: "error",
  message,
});
const request = (hoursAgo: number, statusCode = 200) => ({
  id: `r${++ids}`,
  timestamp: ago(hoursAgo),
  source: "edge",
  requestId: `req-${ids}`,
  proxy: {
    timestamp: ago(hoursAgo),
    method: "GET",
    host: "www.elegance-mobilite.fr",
    path: "/",
    userAgent: ["ua"],
    region: "cdg1",
    statusCode,
  },
});
const uuid = (i: number) => `3f2a9c1e-0b4d-4e8f-9a7b-${String(i).padStart(12, "0")}`;

describe("normaliseMessage", () => {
  it.each([
    [`Error: ride 123 not found for user ${uuid(1)}`, "Error: ride <n> not found for user <uuid>"],
    [`Payment "pi_3NkXyz" failed after 3 attempts`, "Payment <str> failed after <n> attempts"],
    [`can't reach 'db.internal' at 2026-11-24T07:00:01.123Z`, "can't reach <str> at <time>"],
    ["object 5f2c9e81d4a7 is gone (0x1fa3)", "object <hex> is gone (<hex>)"],
    ["deployment dpl_233NRGRjVZX1caZrXWtz5g1TAksD failed in 1.5 s", "deployment <id> failed in <n> s"],
    ["TypeError: x is undefined\n    at handler (/var/task/index.js:12:5)", "TypeError: x is undefined"],
    [`{"level":"error","msg":"db timeout after 5000 ms","requestId":"abc"}`, "db timeout after <n> ms"],
    ["user_42 hit v2 limit", "user_<n> hit v2 limit"],
  ])("%s", (message, pattern) => expect(normaliseMessage(message)).toBe(pattern));
});

describe("app-logs", () => {
  it("ok on a clean day, with the day's counts", async () => {
    await deliver([stdout(1), stdout(5), request(2), request(3, 404), stderr(30, "Error: long ago")]);
    await deliver([request(0.5), stdout(23)]);
    const result = await run(inputs());
    expect(result.status).toBe("ok");
    expect(result.summary).toBe("0 error lines and 0 5xx responses in the last 24 h, out of 6 log entries");
    expect(result.details).toMatchObject({
      entries: { app: 3, access: 3 },
      errorLines: 0,
      http5xxResponses: 0,
      topErrors: [],
    });
  });

  it("warns over the thresholds, with the most frequent messages folded and counted", async () => {
    await deliver(
      Array.from({ length: 40 }, (_, i) => stderr(1 + i / 10, `Error: ride ${1000 + i} not found for user ${uuid(i)}`)),
    );
    await deliver([
      ...Array.from({ length: 15 }, (_, i) => stderr(2, `Payment "pi_${i}x" failed after ${i % 3} attempts`)),
      ...Array.from({ length: 3 }, () => ({
        ...stdout(3, JSON.stringify({ level: "error", msg: "db timeout after 5000 ms" })),
        level: "error",
      })),
      ...Array.from({ length: 12 }, (_, i) => request(4 + i / 10, 500 + (i % 4))),
      request(4, 200),
    ]);
    const result = await run(inputs());
    expect(result.status).toBe("warn");
    expect(result.summary).toBe(
      '58 error lines and 12 5xx responses in the last 24 h, out of 71 log entries (error lines >= 50, 5xx >= 10); most frequent: "Error: ride <n> not found for user <uuid>" x40',
    );
    expect((result.details as { topErrors: unknown }).topErrors).toEqual([
      { message: "Error: ride <n> not found for user <uuid>", count: 40 },
      { message: "Payment <str> failed after <n> attempts", count: 15 },
      { message: "db timeout after <n> ms", count: 3 },
    ]);
    expect(result.metrics).toEqual({ entries: 71, errorLines: 58, http5xxResponses: 12 });
  });

  it("fails past a fail threshold set through LOG_THRESHOLDS, and lists at most topMessages", async () => {
    await deliver([
      ...Array.from({ length: 12 }, (_, i) => stderr(1, `failure kind ${String.fromCharCode(97 + i)}`)),
      ...Array.from({ length: 6 }, () => request(1, 502)),
    ]);
    const fromEnv = inputsFromEnv({
      LOGS_BUCKET: logs.bucket(),
      LOG_DRAIN_ENABLED: "true",
      LOG_THRESHOLDS: JSON.stringify({ http5xxWarn: 2, http5xxFail: 5, topMessages: 10 }),
    });
    expect(fromEnv.logs).toEqual({
      drainEnabled: true,
      thresholds: { ...DEFAULT_LOG_THRESHOLDS, http5xxWarn: 2, http5xxFail: 5 },
    });
    const result = await run(fromEnv);
    expect(result.status).toBe("fail");
    expect(result.summary).toContain("(5xx >= 5)");
    expect((result.details as { topErrors: unknown[] }).topErrors).toHaveLength(10);
  });

  it("ignores entries outside the last 24 h, in listed and older partitions alike", async () => {
    await deliver([
      ...Array.from({ length: 80 }, () => stderr(25, "Error: yesterday")),
      ...Array.from({ length: 20 }, () => request(24.5, 500)),
    ]);
    await deliver(Array.from({ length: 80 }, () => stderr(72, "Error: three days ago")));
    await deliver([stdout(1), request(1)]);
    const result = await run(inputs());
    expect(result.status).toBe("ok");
    expect(result.details).toMatchObject({ entries: { app: 1, access: 1 }, errorLines: 0, http5xxResponses: 0 });
  });

  it("warns when the drain is enabled but nothing arrived in 24 h", async () => {
    const empty = await run(inputs());
    expect(empty).toMatchObject({
      status: "warn",
      summary: expect.stringContaining("no log entry arrived in the last 24 h: the drain may be broken"),
    });
    await deliver([stderr(30, "Error: old")]);
    expect((await run(inputs())).status).toBe("warn");
  });

  it("ok with nothing to read when no drain is configured, bucket or not", async () => {
    for (const logs of [undefined, { drainEnabled: false, thresholds: DEFAULT_LOG_THRESHOLDS }]) {
      const result = await run(inputs({ logs, logsBucket: undefined }));
      expect(result).toEqual({
        status: "ok",
        summary: 'no Vercel log drain is configured (LOG_DRAIN_ENABLED is not "true"): no application logs to read',
      });
    }
    expect(inputsFromEnv({}).logs?.drainEnabled).toBe(false);
  });
});

// The daily metrics export against the S3-protocol server, CloudWatch from the SDK mock.
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import {
  exportDay,
  exportKey,
  exportMetrics,
  readExportedDay,
  type ExportedPoint,
} from "../../lambdas/metrics-export/export";
import { addDays, daysBetween } from "../../lambdas/lib/week";
import { APP, serveMetrics, syntheticDay } from "../support/metrics";
import { startS3, TestS3 } from "../support/s3";

describe("metrics export", () => {
  let s3: TestS3;
  const cloudwatch = mockClient(CloudWatchClient);
  const client = new CloudWatchClient({ region: "eu-west-3" });
  const now = new Date("2026-11-25T01:30:00Z");
  const days = new Map<string, ExportedPoint[]>(
    daysBetween("2026-11-08", "2026-11-24").map((d) => [
      d,
      syntheticDay(d, { outage: d === "2026-11-24" ? [600, 612] : undefined }),
    ]),
  );
  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket("logs");
    serveMetrics(cloudwatch, days);
  });
  afterAll(async () => {
    cloudwatch.restore();
    await s3?.stop();
  });
  const deps = () => ({ cloudwatch: client, s3: s3.client, logsBucket: "logs", app: APP, now });
  const body = async (key: string) =>
    Buffer.from(
      await (await s3.client.send(new GetObjectCommand({ Bucket: "logs", Key: key }))).Body!.transformToByteArray(),
    );

  it("exports one day twice to the same object, byte for byte", async () => {
    const first = await exportDay(deps(), "2026-11-24");
    const bytes = await body(first.key);
    const second = await exportDay(deps(), "2026-11-24");
    expect(second).toEqual(first);
    expect(first.key).toBe("metrics/2026/11/24/metrics.ndjson.gz");
    expect((await body(first.key)).equals(bytes)).toBe(true);
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: "logs", Prefix: "metrics/2026/11/24/" }));
    expect(listed.Contents!.map((o) => o.Key)).toEqual([first.key]);
    // gzip with no timestamp: bytes 4-7 of the header (MTIME) are zero.
    expect(bytes.readUInt32LE(4)).toBe(0);
  });

  it("round-trips a datapoint's value and timestamp", async () => {
    const points = await readExportedDay(s3.client, "logs", "2026-11-24");
    const source = days.get("2026-11-24")!;
    expect(points).toHaveLength(source.length);
    // 10:05 UTC is inside the outage: Up's Sum 0 out of 1 sample.
    const down = points.find((p) => p.metric === "Up" && p.stat === "Sum" && p.time === "2026-11-24T10:05:00.000Z");
    expect(down).toEqual({
      namespace: "EleganceOps",
      metric: "Up",
      dimensions: { App: APP },
      stat: "Sum",
      period: 60,
      time: "2026-11-24T10:05:00.000Z",
      value: 0,
    });
    const latency = source.find(
      (p) => p.metric === "Latency" && p.stat === "p95" && p.time === "2026-11-24T19:31:00.000Z",
    )!;
    expect(points.find((p) => p.metric === "Latency" && p.stat === "p95" && p.time === latency.time)!.value).toBe(
      latency.value,
    );
    expect(points.filter((p) => p.metric === "RidesCreated" && p.stat === "Maximum")).toHaveLength(1);
  });

  it("catches up the missed days of the last 15, and leaves the days already exported alone", async () => {
    // The 2026-11-20 export exists already (written by hand here, so a re-export would show).
    const kept = exportKey("2026-11-20");
    await s3.client.send(new PutObjectCommand({ Bucket: "logs", Key: kept, Body: "kept" }));
    const before = cloudwatch.commandCalls(GetMetricDataCommand).length;
    const { exported } = await exportMetrics(deps());
    const expected = daysBetween(addDays("2026-11-24", -14), "2026-11-24")
      .filter((d) => d !== "2026-11-20")
      .reverse();
    expect(exported.map((e) => e.day)).toEqual(expected);
    expect((await body(kept)).toString()).toBe("kept");
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: "logs", Prefix: "metrics/" }));
    expect(listed.Contents!.length).toBe(15);
    // At 1 minute, but for the oldest day: its first hours are past CloudWatch's 15 days of 1-minute data.
    const periods = cloudwatch
      .commandCalls(GetMetricDataCommand)
      .slice(before)
      .map((c) => c.args[0].input.MetricDataQueries![0].MetricStat!.Period);
    expect(periods).toEqual([...Array(13).fill(60), 300]); // 14 days: 2026-11-20 was there
    const oldest = await readExportedDay(s3.client, "logs", expected.at(-1)!);
    expect(oldest.length).toBeGreaterThan(0);
    expect(new Set(oldest.map((p) => p.period))).toEqual(new Set([300]));
  });
});

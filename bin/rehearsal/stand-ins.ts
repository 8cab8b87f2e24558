// What `npm start` serves on loopback in place of the cloud: the app's /api/health, and the
// one CloudWatch call the weekly list makes (GetMetricData over the probe's Up and Latency),
// answered from the samples the rehearsal's own probes recorded. Real protocols, no AWS.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface StandIn {
  url: string;
  stop(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<StandIn> {
  const server = http.createServer(handler);
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The app's health route, as the Next.js app answers it. */
export function startAppStandIn(healthPath: string): Promise<StandIn> {
  return listen((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === healthPath) {
      res
        .writeHead(200, { "Content-Type": "application/json" })
        .end(JSON.stringify({ status: "ok", database: "ok", version: "demo" }));
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
}

export interface Sample {
  at: Date;
  up: number;
  latencyMs?: number;
}

const p95 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
};

/** CloudWatch's JSON 1.0 protocol (X-Amz-Target GraniteServiceVersion20100801.*), GetMetricData only. */
export function startCloudWatchStandIn(samples: Sample[]): Promise<StandIn> {
  return listen((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const reply = (status: number, value: unknown) =>
        res.writeHead(status, { "Content-Type": "application/x-amz-json-1.0" }).end(JSON.stringify(value));
      if (!target.endsWith(".GetMetricData"))
        return reply(400, {
          __type: "InvalidAction",
          message: `the local stand-in answers GetMetricData only, not ${target}`,
        });
      const input = JSON.parse(body || "{}") as {
        MetricDataQueries?: { Id: string; MetricStat?: { Metric?: { MetricName?: string }; Stat?: string } }[];
      };
      const results = (input.MetricDataQueries ?? []).map((q) => {
        const name = q.MetricStat?.Metric?.MetricName;
        const values = samples.flatMap((s) =>
          name === "Up" ? [s.up] : name === "Latency" && s.latencyMs !== undefined ? [s.latencyMs] : [],
        );
        const stat = q.MetricStat?.Stat;
        const value = !values.length
          ? undefined
          : stat === "Sum"
            ? values.reduce((a, b) => a + b, 0)
            : stat === "SampleCount"
              ? values.length
              : stat === "p95"
                ? p95(values)
                : undefined;
        return {
          Id: q.Id,
          StatusCode: "Complete",
          Timestamps: value === undefined ? [] : [Math.floor(Date.now() / 1000)],
          Values: value === undefined ? [] : [value],
        };
      });
      reply(200, { MetricDataResults: results, Messages: [] });
    });
  });
}

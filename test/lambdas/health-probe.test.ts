// The health probe against a real HTTP server on loopback, one case per way an app can be sick.
import { emitProbeMetrics, probeHealth, saysHealthy } from "../../lambdas/health/probe";
import { emfMetrics } from "../../lambdas/core/emf";
import { appHealth } from "../../lambdas/checks/app-health";
import { runCheck } from "../../lambdas/checklist/engine";
import { DEFAULT_INPUTS } from "../../lambdas/core/inputs";
import { noMetrics } from "../../lambdas/core/metrics";
import { captureEmf } from "../support/emf";
import { closedPort, startHttpServer, TestServer } from "../support/http";

let app: TestServer;
beforeAll(async () => {
  app = await startHttpServer((req, res) => {
    // unref: a response still pending when the suite ends must not keep Jest alive.
    const send = (status: number, body: string, delayMs = 0) =>
      void setTimeout(() => res.writeHead(status, { "content-type": "application/json" }).end(body), delayMs).unref();
    switch (req.url) {
      case "/healthy":
        return send(200, '{"status":"ok","db":"up"}');
      case "/slow":
        return send(200, '{"status":"ok"}', 300);
      case "/error":
        return send(500, '{"status":"error"}');
      case "/wrong-body":
        return send(200, "<html>Vercel: deployment not found</html>");
      case "/hang":
        return send(200, '{"status":"ok"}', 5000);
      default:
        return send(404, "");
    }
  });
});
afterAll(() => app.close());

async function probe(url: string, timeoutMs = 1000) {
  const { result, records } = await captureEmf(async () => {
    const r = await probeHealth(url, timeoutMs);
    emitProbeMetrics(emfMetrics(), "elegance-mobilite", "health-probe", r);
    return r;
  });
  const [app, heartbeat] = records;
  expect(app.dimensions).toEqual({ App: "elegance-mobilite" });
  expect(heartbeat).toMatchObject({ dimensions: { Task: "health-probe" }, metrics: { Heartbeat: 1 } });
  return { result, metrics: app.metrics };
}

describe("probeHealth", () => {
  it("healthy: up, healthy, latency recorded", async () => {
    const { result, metrics } = await probe(`${app.url}/healthy`);
    expect(result).toMatchObject({ up: true, healthy: true, status: 200 });
    expect(metrics).toEqual({ Up: 1, Latency: result.latencyMs });
  });

  it("slow but within the time limit: up, with its real latency", async () => {
    const { result, metrics } = await probe(`${app.url}/slow`);
    expect(result.up).toBe(true);
    expect(result.latencyMs).toBeGreaterThanOrEqual(300);
    expect(metrics.Latency).toBe(result.latencyMs);
  });

  it("HTTP 500: down, latency still recorded (the app answered)", async () => {
    const { result, metrics } = await probe(`${app.url}/error`);
    expect(result).toMatchObject({ up: false, healthy: false, status: 500, reason: "HTTP 500" });
    expect(metrics).toMatchObject({ Up: 0 });
    expect(metrics.Latency).toBe(result.latencyMs);
  });

  it("200 with a body that does not say healthy: down", async () => {
    const { result, metrics } = await probe(`${app.url}/wrong-body`);
    expect(result.up).toBe(false);
    expect(result.reason).toContain("body does not say healthy");
    expect(metrics).toMatchObject({ Up: 0 });
  });

  it("connection refused: down, and no latency (a refusal must not look fast to the p95 alarm)", async () => {
    const { result, metrics } = await probe(`http://127.0.0.1:${await closedPort()}/api/health`);
    expect(result).toMatchObject({ up: false, healthy: false });
    expect(result.reason).toContain("ECONNREFUSED");
    expect(metrics).toEqual({ Up: 0 });
  });

  it("no answer in time: down, the reason says the time limit, no latency", async () => {
    const { result, metrics } = await probe(`${app.url}/hang`, 250);
    expect(result).toEqual({ up: false, healthy: false, reason: "no answer within 250 ms" });
    expect(metrics).toEqual({ Up: 0 });
  });

  it("reads the usual health body shapes", () => {
    for (const body of [
      '{"status":"ok"}',
      '{"status":"healthy"}',
      '{"status":"UP"}',
      '{"ok":true}',
      '{"healthy":true}',
      "ok",
    ])
      expect(saysHealthy(body)).toBe(true);
    for (const body of ['{"status":"degraded"}', '{"ok":false}', "", "null", "<html></html>"])
      expect(saysHealthy(body)).toBe(false);
  });
});

describe("app-health check", () => {
  const ctx = (path: string, p95LatencyMs = 1500) => ({
    inputs: {
      ...DEFAULT_INPUTS,
      appUrl: app.url,
      healthPath: path,
      p95LatencyMs,
      healthTimeoutMs: 1000,
      checkLevels: {},
      taskName: "t",
    },
    now: new Date(),
    metrics: noMetrics,
  });

  it("ok when healthy and fast, warn when slower than the p95 threshold, fail when down", async () => {
    expect(await runCheck(appHealth, ctx("/healthy"))).toMatchObject({ status: "ok" });
    expect(await runCheck(appHealth, ctx("/slow", 100))).toMatchObject({
      status: "warn",
      summary: expect.stringContaining("above 100 ms"),
    });
    expect(await runCheck(appHealth, ctx("/error"))).toMatchObject({
      status: "fail",
      summary: expect.stringContaining("is down: HTTP 500"),
    });
  });
});

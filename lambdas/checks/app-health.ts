// Daily "curl -s /api/health": down or unhealthy is a fail, slower than the p95 threshold a warn.
import type { Check } from "../core/check";
import { healthUrl, probeHealth } from "../health/probe";

export const appHealth: Check = {
  id: "app-health",
  title: "Monitoring des performances : /api/health répond, vite et sain",
  async run({ inputs, signal }) {
    if (!inputs.appUrl) throw new Error("no app URL (--app-url / APP_URL)");
    const url = healthUrl(inputs.appUrl, inputs.healthPath);
    const result = await probeHealth(url, inputs.healthTimeoutMs, signal);
    const details = { url, ...result };
    const metrics = result.latencyMs !== undefined ? { latencyMs: result.latencyMs } : undefined;
    if (!result.up) return { status: "fail", summary: `${url} is down: ${result.reason}`, details, metrics };
    if (result.latencyMs! > inputs.p95LatencyMs) {
      return {
        status: "warn",
        summary: `${url} answered healthy in ${result.latencyMs} ms, above ${inputs.p95LatencyMs} ms`,
        details,
        metrics,
      };
    }
    return { status: "ok", summary: `${url} answered healthy in ${result.latencyMs} ms`, details, metrics };
  },
};

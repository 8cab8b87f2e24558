// "curl -s /api/health", every minute: is the app up, how fast, and does it say it is healthy.
// Up is 1 only for a 2xx with a healthy body within the time limit. Latency is recorded only
// when an answer arrived: a refused connection must not look like a fast response in the p95
// alarm (it is caught by the Up alarm instead).
import { DIMENSION, METRIC } from "../core/contract";
import { heartbeat, type MetricsSink } from "../core/metrics";

export interface ProbeResult {
  up: boolean;
  /** HTTP status, when an answer arrived. */
  status?: number;
  /** Milliseconds to the end of the body, when an answer arrived. */
  latencyMs?: number;
  healthy: boolean;
  /** Why it is not up, in words. */
  reason?: string;
  /** The start of the body, when an answer arrived (what a person reads to see why). */
  body?: string;
}

const MAX_BODY_CHARS = 64 * 1024;

/** Accepts the usual health shapes: {status:"ok"|"healthy"|"up"|"pass"}, {ok:true}, {healthy:true}, or "ok". */
export function saysHealthy(body: string): boolean {
  const text = body.trim();
  if (/^(ok|healthy|up)$/i.test(text)) return true;
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    if (typeof json !== "object" || json === null) return false;
    if (typeof json.status === "string" && /^(ok|healthy|up|pass)$/i.test(json.status)) return true;
    return json.ok === true || json.healthy === true;
  } catch {
    return false;
  }
}

export async function probeHealth(url: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const began = performance.now();
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      signal: signal ? AbortSignal.any([deadline, signal]) : deadline,
      headers: { "user-agent": "elegance-ops-health-probe", accept: "application/json" },
      redirect: "manual",
    });
    const body = (await response.text()).slice(0, MAX_BODY_CHARS);
    const latencyMs = Math.round(performance.now() - began);
    const healthy = response.ok && saysHealthy(body);
    const reason = !response.ok
      ? `HTTP ${response.status}`
      : healthy
        ? undefined
        : `body does not say healthy: ${JSON.stringify(body.slice(0, 120))}`;
    return {
      up: healthy,
      status: response.status,
      latencyMs,
      healthy,
      ...(reason ? { reason } : {}),
      body: body.trim().slice(0, 200),
    };
  } catch (error) {
    const timedOut = deadline.aborted;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = timedOut
      ? `no answer within ${timeoutMs} ms`
      : `request failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
    return { up: false, healthy: false, reason };
  }
}

/** The probe's metrics (dimension App) and its heartbeat (dimension Task). */
export function emitProbeMetrics(metrics: MetricsSink, appName: string, taskName: string, result: ProbeResult): void {
  metrics.emit(
    { [DIMENSION.app]: appName },
    {
      [METRIC.up]: { value: result.up ? 1 : 0, unit: "Count" },
      ...(result.latencyMs !== undefined
        ? { [METRIC.latency]: { value: result.latencyMs, unit: "Milliseconds" as const } }
        : {}),
    },
  );
  heartbeat(metrics, taskName);
}

export function healthUrl(appUrl: string, healthPath: string): string {
  return new URL(healthPath, appUrl).toString();
}

// "Monitoring des performances": GET /api/health every minute; the alarms watch its metrics.
import { emitProbeMetrics, healthUrl, probeHealth, ProbeResult } from "../health/probe";
import { inputsFromEnv } from "../core/inputs";
import { emfMetrics } from "../core/emf";

export const handler = async (): Promise<ProbeResult> => {
  const inputs = inputsFromEnv();
  if (!inputs.appUrl) throw new Error("APP_URL is not set");
  const result = await probeHealth(healthUrl(inputs.appUrl, inputs.healthPath), inputs.healthTimeoutMs);
  emitProbeMetrics(emfMetrics(), inputs.appName, inputs.taskName, result);
  return result;
};

// The work of `ops rollback`, loaded only when it runs.
import { healthUrl } from "../../lambdas/health/probe";
import { describeDeployment, rollback, type RollbackResult } from "../../lambdas/vercel/rollback";
import { requireInputs, taskInputs } from "./inputs";
import { vercelApiFromInputs, withVercelHints } from "./maintenance-run";
import { print } from "./output";

function render(result: RollbackResult): string {
  const { plan, health } = result;
  const serving = plan.current ? describeDeployment(plan.current) : (plan.project.productionId ?? "unknown");
  const lines = [
    `project ${plan.project.name} (${plan.project.id})`,
    `  production now: ${serving}`,
    `  ${result.dryRun ? "would promote" : result.promoted ? "promoted" : "already serving"}: ${describeDeployment(plan.target)}`,
  ];
  if (result.dryRun) {
    lines.push("recent READY production deployments, newest first:");
    for (const d of plan.recent)
      lines.push(
        `  ${d.id === plan.target.id ? "→" : d.id === plan.project.productionId ? "*" : " "} ${describeDeployment(d)}`,
      );
    lines.push("rollback (dry run): nothing changed");
  } else {
    if (result.waitedMs !== undefined)
      lines.push(`  production switched after ${(result.waitedMs / 1000).toFixed(1)} s`);
    if (health) lines.push(`  health: ${health.url} answered HTTP ${health.status} ${JSON.stringify(health.answer)}`);
    lines.push(`rollback: ${plan.project.name} serves ${plan.target.id} and is healthy`);
  }
  return `${lines.join("\n")}\n`;
}

export async function rollbackRun(options: Record<string, any>): Promise<void> {
  // A dry run promotes nothing, so it needs no app to check.
  const { vercelProject } = requireInputs(["vercelToken", "vercelProject"], options);
  const appUrl = options.dryRun ? undefined : requireInputs(["appUrl"], options).appUrl;
  const inputs = taskInputs([], "rollback", options);
  const api = vercelApiFromInputs(options);
  const result = await withVercelHints(() =>
    rollback(api, {
      project: vercelProject,
      to: options.to,
      limit: options.limit,
      dryRun: !!options.dryRun,
      healthUrl: appUrl ? healthUrl(appUrl, inputs.healthPath) : undefined,
      healthTimeoutMs: inputs.healthTimeoutMs,
      waitTimeoutMs: options.timeout * 1000,
      pollIntervalMs: options.pollIntervalMs,
      onProgress: (line) => process.stderr.write(`rollback: ${line}\n`),
    }),
  );
  print(options, result, () => render(result));
}

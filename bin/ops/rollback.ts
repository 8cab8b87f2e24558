// `ops rollback [--to <deployment-id|git-sha|git-ref>] [--dry-run]`: the guide's level-2
// "rollback rapide" and "restauration du code", through Vercel's API instead of the dashboard.
import { Command, Option } from "commander";
import { healthUrl } from "../../lambdas/health/probe";
import { describeDeployment, rollback, type RollbackResult } from "../../lambdas/vercel/rollback";
import { positiveInt, requireInputs, taskInputs, withInputs } from "./inputs";
import { vercelApiFromInputs, withVercelHints } from "./maintenance";

function render(result: RollbackResult): string {
  const { plan } = result;
  const serving = plan.current ? describeDeployment(plan.current) : plan.project.productionId ?? "unknown";
  const lines = [
    `project ${plan.project.name} (${plan.project.id})`,
    `  production now: ${serving}`,
    `  ${result.dryRun ? "would promote" : result.promoted ? "promoted" : "already serving"}: ${describeDeployment(plan.target)}`,
  ];
  if (result.dryRun) {
    lines.push("recent READY production deployments, newest first:");
    for (const d of plan.recent) lines.push(`  ${d.id === plan.target.id ? "→" : d.id === plan.project.productionId ? "*" : " "} ${describeDeployment(d)}`);
    lines.push("rollback (dry run): nothing changed");
  } else {
    if (result.waitedMs !== undefined) lines.push(`  production switched after ${(result.waitedMs / 1000).toFixed(1)} s`);
    lines.push(`  health: ${result.health!.url} answered HTTP ${result.health!.status} ${JSON.stringify(result.health!.answer)}`);
    lines.push(`rollback: ${plan.project.name} serves ${plan.target.id} and is healthy`);
  }
  return `${lines.join("\n")}\n`;
}

export function rollbackCommand(): Command {
  const command = withInputs(
    new Command("rollback")
      .description("promote the previous READY production deployment (or --to one) on Vercel, wait until it serves, check /api/health")
      .option("--to <deployment>", "a deployment id (dpl_…), a git sha (7+ hex digits) or the git ref (branch/tag) a deployment was built from")
      .option("--dry-run", "say which deployment would be promoted, and do nothing"),
    ["vercelToken", "vercelTeam", "vercelProject", "appUrl", "vercelApiUrl"],
  )
    .addOption(new Option("--limit <n>", "recent production deployments considered").argParser(positiveInt("--limit")).default(20))
    .addOption(new Option("--timeout <seconds>", "how long to wait for production to serve the promoted deployment").argParser(positiveInt("--timeout")).default(180))
    // Tests poll a loopback fake; the real API is polled every 2 s.
    .addOption(new Option("--poll-interval-ms <ms>").argParser(positiveInt("--poll-interval-ms")).default(2000).hideHelp());

  return command.action(async (options: Record<string, any>) => {
    const needs = options.dryRun ? (["vercelToken", "vercelProject"] as const) : (["vercelToken", "vercelProject", "appUrl"] as const);
    const { vercelProject, appUrl } = requireInputs(needs, options);
    const inputs = taskInputs([], "rollback", options);
    const api = vercelApiFromInputs(options);
    const result = await withVercelHints(() =>
      rollback(api, {
        project: vercelProject!,
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
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : render(result));
  });
}

// The work of `ops deps check`, loaded only when it runs.
import { depsResult, runDeps } from "../../lambdas/deps/check";
import { print } from "./output";
import { securityInputs } from "./security-run";

export async function depsCheckRun(options: Record<string, any>): Promise<void> {
  const { inputs, security } = securityInputs(options, "deps-check");
  const report = await runDeps(security, new Date().toISOString().slice(0, 10), inputs.executionEnv, {
    retryBaseMs: options.retryBaseMs,
  });
  const result = depsResult(report);
  print(options, { ...result, id: "deps-check" }, () => {
    const out: string[] = [];
    for (const l of report.lockfiles) {
      const behind = l.dependencies.filter((d) => d.command || d.deprecated);
      out.push(`${l.file} — ${l.origin}: ${l.dependencies.length} direct dependencies, ${behind.length} to update`);
      for (const d of behind) {
        const dep = d.deprecated ? ` DEPRECATED: ${d.deprecated}` : "";
        out.push(
          `  ${d.behind.padEnd(10)} ${d.name} ${d.installed} → ${d.latest ?? "?"} (wants ${d.wanted})${dep}${d.command ? `\n             run: ${d.command}` : ""}`,
        );
      }
    }
    for (const n of report.node)
      out.push(
        `node: ${n.where} ${n.version}: ${n.phase}${n.end ? `, end of life ${n.end}` : ""}${n.activeLts ? ` (active LTS: ${n.activeLts}, nvm install lts/*)` : ""}`,
      );
    out.push(
      `node schedule: ${report.schedule.source} as of ${report.schedule.asOf} (${report.schedule.ageDays} days old)`,
    );
    for (const u of report.unreadable) out.push(`warn: ${u}`);
    out.push(`deps check: ${result.status}: ${result.summary}`);
    return out.join("\n");
  });
  if (result.status === "fail") process.exitCode = 1;
}

// `ops maintenance on|off|status`: the guide's level-3 "mode maintenance", through Vercel's API
// instead of the dashboard. Every change is recorded under security/ in the logs bucket.
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { Command } from "commander";
import { createS3Client } from "../../lambdas/lib/s3";
import { VercelApi, VercelApiError } from "../../lambdas/vercel/api";
import { flipMaintenance, MAINTENANCE_ITEM, readMaintenance } from "../../lambdas/vercel/maintenance";
import { CliInput, inputValue, requireInputs, withInputs } from "./inputs";

const VERCEL_INPUTS: CliInput[] = ["vercelToken", "vercelTeam", "vercelApiUrl"];

/** The API client from --vercel-token / VERCEL_TOKEN (required), the team and the API URL (optional). */
export function vercelApiFromInputs(options: Record<string, unknown>): VercelApi {
  const { vercelToken } = requireInputs(["vercelToken"], options);
  return new VercelApi({ token: vercelToken!, team: inputValue("vercelTeam", options), baseUrl: inputValue("vercelApiUrl", options) });
}

/** 401/403 say which inputs to check; other errors pass unchanged. */
export async function withVercelHints<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof VercelApiError && (error.status === 401 || error.status === 403)) {
      throw new Error(`${error.message} — check the token (--vercel-token / VERCEL_TOKEN) and the team (--team-id / VERCEL_TEAM_ID)`);
    }
    throw error;
  }
}

/** Who flips the flag: --by, else git's user.email, else the OS user on this host. */
function operator(by: unknown): string {
  if (typeof by === "string" && by.trim()) return by.trim();
  try {
    const email = execFileSync("git", ["config", "user.email"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (email) return email;
  } catch {
    // no git, or no user.email: fall back to the OS user
  }
  return `${os.userInfo().username}@${os.hostname()}`;
}

const show = (value: boolean | null | undefined) => (value === true ? "on" : value === false ? "off" : "absent");

function flipCommand(action: "on" | "off"): Command {
  const command = new Command(action).description(
    action === "on" ? "serve the maintenance page (503) everywhere but /api/health; needs --reason" : "serve the app again",
  );
  withInputs(command, [...VERCEL_INPUTS, "edgeConfigId", "logsBucket"])
    .option("--reason <text>", `why (required for on), kept in the record under security/`)
    .option("--by <who>", "who does it (default: git config user.email, else the OS user)");
  return command.action(async (options: Record<string, unknown>) => {
    const reason = typeof options.reason === "string" ? options.reason.trim() : "";
    if (action === "on" && !reason) command.error('maintenance on needs --reason "…" (it is kept in the security record)', { exitCode: 2 });
    const { edgeConfigId, logsBucket } = requireInputs(["vercelToken", "edgeConfigId", "logsBucket"], options);
    const api = vercelApiFromInputs(options);
    const result = await withVercelHints(() =>
      flipMaintenance(api, { edgeConfigId: edgeConfigId!, on: action === "on", by: operator(options.by), reason: reason || undefined, logsBucket: logsBucket!, s3: createS3Client() }),
    );
    const { record } = result;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ...result }, null, 2)}\n`);
    } else if (!result.changed) {
      process.stdout.write(`maintenance: already ${action} (edge config ${edgeConfigId}); nothing changed, nothing recorded\n`);
    } else {
      const why = record.reason ? `, reason ${JSON.stringify(record.reason)}` : "";
      process.stdout.write(
        `maintenance: ${show(record.previous)} → ${action} (edge config ${edgeConfigId}, by ${record.by}${why})\n` +
          `recorded: s3://${logsBucket}/${result.recordKey}\n` +
          (action === "on" ? "the app now answers 503 with the maintenance page (Edge Config takes a few seconds to propagate)\n" : "the app serves normally again; check /api/health\n"),
      );
    }
  });
}

export function maintenanceCommand(): Command {
  const maintenance = new Command("maintenance").description("the app's maintenance mode (Vercel Edge Config item `maintenance`), level-3 runbook");
  maintenance.addCommand(flipCommand("on"));
  maintenance.addCommand(flipCommand("off"));
  maintenance.addCommand(
    withInputs(new Command("status").description("print the flag's current value"), [...VERCEL_INPUTS, "edgeConfigId"]).action(async (options: Record<string, unknown>) => {
      const { edgeConfigId } = requireInputs(["vercelToken", "edgeConfigId"], options);
      const value = await withVercelHints(() => readMaintenance(vercelApiFromInputs(options), edgeConfigId!));
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ edgeConfigId, item: MAINTENANCE_ITEM, value: value ?? null, maintenance: value === true })}\n`);
      } else {
        const note = value === undefined ? ` (no item "${MAINTENANCE_ITEM}": the app serves normally)` : "";
        process.stdout.write(`maintenance: ${value === true ? "on" : "off"}${note} (edge config ${edgeConfigId})\n`);
      }
    }),
  );
  return maintenance;
}

// The work of `ops maintenance …`, loaded only when one runs; the Vercel helpers serve rollback too.
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { createS3Client } from "../../lambdas/lib/s3";
import { VercelApi, VercelApiError } from "../../lambdas/vercel/api";
import { flipMaintenance, MAINTENANCE_ITEM, readMaintenance } from "../../lambdas/vercel/maintenance";
import { inputValue, requireInputs } from "./inputs";
import { print } from "./output";

/** The API client from --vercel-token / VERCEL_TOKEN (required), the team and the API URL (optional). */
export function vercelApiFromInputs(options: Record<string, unknown>): VercelApi {
  const { vercelToken } = requireInputs(["vercelToken"], options);
  return new VercelApi({
    token: vercelToken,
    team: inputValue("vercelTeam", options),
    baseUrl: inputValue("vercelApiUrl", options),
  });
}

/** 401/403 say which inputs to check; other errors pass unchanged. */
export async function withVercelHints<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof VercelApiError && (error.status === 401 || error.status === 403)) {
      throw new Error(
        `${error.message} — check the token (--vercel-token / VERCEL_TOKEN) and the team (--team-id / VERCEL_TEAM_ID)`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Who flips the flag: --by, else git's user.email, else the OS user on this host. */
function operator(by: unknown): string {
  if (typeof by === "string" && by.trim()) return by.trim();
  try {
    const email = execFileSync("git", ["config", "user.email"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    if (email) return email;
  } catch {
    // no git, or no user.email: fall back to the OS user
  }
  return `${os.userInfo().username}@${os.hostname()}`;
}

const show = (value: boolean | null | undefined) => (value === true ? "on" : value === false ? "off" : "absent");

export async function flip(action: "on" | "off", reason: string, options: Record<string, unknown>): Promise<void> {
  const { edgeConfigId, logsBucket } = requireInputs(["vercelToken", "edgeConfigId", "logsBucket"], options);
  const api = vercelApiFromInputs(options);
  const result = await withVercelHints(() =>
    flipMaintenance(api, {
      edgeConfigId,
      on: action === "on",
      by: operator(options.by),
      reason: reason || undefined,
      logsBucket,
      s3: createS3Client(),
    }),
  );
  print(options, result, () => {
    const { record } = result;
    if (!result.changed)
      return `maintenance: already ${action} (edge config ${edgeConfigId}); nothing changed, nothing recorded`;
    const why = record.reason ? `, reason ${JSON.stringify(record.reason)}` : "";
    return (
      `maintenance: ${show(record.previous)} → ${action} (edge config ${edgeConfigId}, by ${record.by}${why})\n` +
      `recorded: s3://${logsBucket}/${result.recordKey}\n` +
      (action === "on"
        ? "the app now answers 503 with the maintenance page (Edge Config takes a few seconds to propagate)"
        : "the app serves normally again; check /api/health")
    );
  });
}

export async function status(options: Record<string, unknown>): Promise<void> {
  const { edgeConfigId } = requireInputs(["vercelToken", "edgeConfigId"], options);
  const value = await withVercelHints(() => readMaintenance(vercelApiFromInputs(options), edgeConfigId));
  const note = value === undefined ? ` (no item "${MAINTENANCE_ITEM}": the app serves normally)` : "";
  print(
    options,
    { edgeConfigId, item: MAINTENANCE_ITEM, value: value ?? null, maintenance: value === true },
    `maintenance: ${value === true ? "on" : "off"}${note} (edge config ${edgeConfigId})`,
  );
}

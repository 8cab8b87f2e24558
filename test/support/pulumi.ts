// The Pulumi mocks helper for infra tests: evaluate the real program (or one component)
// under mocks and read any resource's inputs by type and name.
import { readFileSync } from "fs";
import * as path from "path";
import { ConfigError, parseStackConfig, rawConfigFromStackFile, StackConfig } from "../../infra/config";
import { Plan, planProgram } from "../../infra/plan";
import { program } from "../../infra/program";

export { find, ofType, planProgram, FAKE_ACCOUNT } from "../../infra/plan";
export type { Plan, PlannedResource } from "../../infra/plan";

export const PROD_STACK_FILE = path.join(__dirname, "..", "..", "Pulumi.prod.yaml");

/** The prod stack's config in allConfig form, secrets replaced by their placeholders. */
export function prodRawConfig(): Record<string, string> {
  return rawConfigFromStackFile(readFileSync(PROD_STACK_FILE, "utf8"), true);
}

/** The problems the config validation reports for `raw`; throws when it accepts it. */
export function problemsOf(raw: Record<string, string>): string[] {
  try {
    parseStackConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("the config was accepted");
}

/**
 * Plans the whole program with the prod config, after `edit` changed the raw config
 * (e.g. to drop an optional block). Returns the plan and the parsed config.
 */
export async function planStack(edit?: (raw: Record<string, string>) => void): Promise<Plan & { config: StackConfig }> {
  const raw = prodRawConfig();
  edit?.(raw);
  const config = parseStackConfig(raw);
  const plan = await planProgram(() => program(config), raw);
  return { ...plan, config };
}

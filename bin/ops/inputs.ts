// How every ops command takes its inputs: a flag first, then the environment variable of the
// same meaning, then (for non-secret settings only) the stack file. The environment names are
// the Lambdas' own, so a shell that exports them runs the same task the same way.
import { Command, InvalidArgumentError, Option } from "commander";
import { existsSync } from "fs";
import * as path from "path";
import type { StackConfig } from "../../infra/config";
import { stackVariables } from "../../infra/config/settings";
import { ENV } from "../../lambdas/core/contract";
import { inputsFromEnv, type TaskInputs } from "../../lambdas/core/inputs";
import { INPUTS as TASK_INPUTS, type InputName } from "../../lambdas/core/needs";

interface InputSpec {
  flag: string;
  env: string;
  description: string;
  /** Where the prod stack file gives a value (never for secrets). */
  fromStack?: (config: StackConfig) => string | undefined;
}

/** The checks' and tasks' inputs (lambdas/core/needs.ts), plus the CLI-only ones (Vercel's API, the drill's scratch server). */
export type CliInput =
  | InputName
  | "vercelToken"
  | "vercelTeam"
  | "vercelProject"
  | "edgeConfigId"
  | "vercelApiUrl"
  | "scratchUrl"
  | "pgBindir";

export const INPUTS: Record<CliInput, InputSpec> = {
  ...TASK_INPUTS,
  appUrl: { ...TASK_INPUTS.appUrl, fromStack: (c) => c.app.url },
  // Secret: from the flag or the environment only, never the stack file, never printed.
  vercelToken: { flag: "--vercel-token <token>", env: "VERCEL_TOKEN", description: "Vercel API token (secret)" },
  vercelTeam: {
    flag: "--team-id <id>",
    env: "VERCEL_TEAM_ID",
    description: "Vercel team id (team_…) or slug",
    fromStack: (c) => c.vercel?.teamId,
  },
  vercelProject: {
    flag: "--project <idOrName>",
    env: "VERCEL_PROJECT_ID",
    description: "Vercel project id (prj_…) or name",
    fromStack: (c) => c.vercel?.projectId,
  },
  edgeConfigId: {
    flag: "--edge-config-id <id>",
    env: "VERCEL_EDGE_CONFIG_ID",
    description: "id (ecfg_…) of the Edge Config holding the `maintenance` item (a stack output)",
  },
  vercelApiUrl: {
    flag: "--vercel-api-url <url>",
    env: "VERCEL_API_URL",
    description: "Vercel API base URL (default https://api.vercel.com)",
  },
  // The restore drill's scratch server: one of the two.
  scratchUrl: {
    flag: "--scratch-url <url>",
    env: "SCRATCH_DATABASE_URL",
    description: "superuser URL of a scratch server (a database is created there, then dropped)",
  },
  pgBindir: {
    flag: "--pg-bindir <dir>",
    env: "PG_SERVER_BINDIR",
    description: "else: start a scratch server from these server binaries (initdb, postgres)",
  },
};

/** `--app-url <url>` → `appUrl`: commander's attribute name for a flag. */
const attribute = (flag: string) =>
  flag
    .replace(/^--/, "")
    .split(" ")[0]
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export class MissingInputError extends Error {
  constructor(readonly input: CliInput) {
    const spec = INPUTS[input];
    super(`missing ${spec.flag.split(" ")[0]} (or the ${spec.env} environment variable): ${spec.description}`);
    this.name = "MissingInputError";
  }
}

/** Adds the input flags (and --stack-file, --json) to a command; help shows each variable. */
export function withInputs(command: Command, inputs: readonly CliInput[]): Command {
  for (const input of inputs) {
    const spec = INPUTS[input];
    command.addOption(new Option(spec.flag, `${spec.description} [env: ${spec.env}]`));
  }
  return command
    .option(
      "--stack-file <path>",
      "stack file read for non-secret settings (app URL, thresholds, levels) [env: STACK_FILE]",
    )
    .option("--json", "print the result as JSON on stdout");
}

/** The value of one input, flag over environment over stack file; undefined when none has it. A malformed value is a UsageError naming the flag. */
export function inputValue(
  input: CliInput,
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const spec = INPUTS[input];
  const fromFlag = options[attribute(spec.flag)];
  const given = typeof fromFlag === "string" && fromFlag.trim() ? fromFlag.trim() : env[spec.env]?.trim();
  if (given) {
    const problem = VALUE_PROBLEMS[input]?.(given);
    if (problem) throw new UsageError(`${spec.flag.split(" ")[0]} (or ${spec.env}) ${problem}`);
    return given;
  }
  const stack = spec.fromStack && stackConfig(options, env);
  return stack ? spec.fromStack!(stack) : undefined;
}

/** What is wrong with a value, said after the flag; a database URL is never repeated (it holds a password). */
export function postgresUrlProblem(text: string): string | undefined {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== "postgres:" && url.protocol !== "postgresql:") || !url.hostname) {
    return "is not a postgresql:// URL; expected postgresql://USER:PASSWORD@HOST:5432/DATABASE";
  }
  return undefined;
}

export function httpUrlProblem(text: string): string | undefined {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || !url.hostname)
    return `is not an http(s):// URL: ${JSON.stringify(text)}`;
  return undefined;
}

const VALUE_PROBLEMS: Partial<Record<CliInput, (value: string) => string | undefined>> = {
  databaseUrl: postgresUrlProblem,
  scratchUrl: postgresUrlProblem,
  appUrl: httpUrlProblem,
  vercelApiUrl: httpUrlProblem,
  pgBindir: (dir) =>
    existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "postgres"))
      ? undefined
      : `${JSON.stringify(dir)} has no initdb and postgres: give the directory of PostgreSQL's server binaries (pg_config --bindir)`,
};

/** Resolves the inputs a command needs, or throws one MissingInputError for the first absent one. */
export function requireInputs<K extends CliInput>(
  needs: readonly K[],
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Record<K, string> {
  const values = {} as Record<K, string>;
  for (const input of needs) {
    const value = inputValue(input, options, env);
    if (value === undefined) throw new MissingInputError(input);
    values[input] = value;
  }
  return values;
}

// bin/ops/ in the sources, .build/cli/ once built: the repo root is two levels up from both.
const DEFAULT_STACK_FILE = path.join(__dirname, "..", "..", "Pulumi.prod.yaml");
const stackCache = new Map<string, StackConfig | undefined>();

/**
 * The stack file's config with secrets left as placeholders: only its non-secret settings are
 * read. Undefined when there is no stack file (a copy of the CLI outside the repo).
 */
export function stackConfig(
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): StackConfig | undefined {
  const explicit = (options.stackFile as string | undefined) ?? env.STACK_FILE;
  const flag = options.stackFile ? "--stack-file" : "STACK_FILE";
  const file = explicit ?? DEFAULT_STACK_FILE;
  if (!stackCache.has(file)) {
    if (!existsSync(file)) {
      if (explicit) throw new UsageError(`${flag} ${file}: no such file`);
      stackCache.set(file, undefined);
    } else {
      // Loaded here, not at the top: zod and yaml would slow every command's start, --help included.
      const { ConfigError, parseStackConfig }: typeof import("../../infra/config") = require("../../infra/config");
      const {
        problemCount,
        readStackFile,
        StackFileError,
      }: typeof import("../../infra/config/stack-file") = require("../../infra/config/stack-file");
      try {
        stackCache.set(file, parseStackConfig(readStackFile(file, true)));
      } catch (error) {
        if (error instanceof StackFileError) throw new UsageError(`${flag} ${error.message}`);
        if (error instanceof ConfigError) {
          throw new UsageError(
            `${flag} ${file}: invalid stack config (${problemCount(error.problems.length)})\n  - ${error.problems.join("\n  - ")}`,
          );
        }
        throw error;
      }
    }
  }
  return stackCache.get(file);
}

/**
 * The same TaskInputs a Lambda builds, by the same code (inputsFromEnv) from the same variables:
 * the stack file's settings first, the environment over them, the flags over both. The inputs
 * in `needs` must be given (else a MissingInputError naming the flag and the variable).
 */
export function taskInputs(
  needs: readonly InputName[],
  taskName: string,
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): TaskInputs {
  requireInputs(needs, options, env);
  const stack = stackConfig(options, env);
  const flags: Record<string, string> = {};
  for (const input of Object.keys(TASK_INPUTS) as InputName[]) {
    const value = inputValue(input, options, env);
    if (value !== undefined) flags[INPUTS[input].env] = value;
  }
  return inputsFromEnv({
    ...(stack ? { ...stackVariables(stack), [ENV.checkLevels]: JSON.stringify(stack.checklists.levels) } : {}),
    ...env,
    ...flags,
    [ENV.taskName]: taskName,
  });
}

/** A refusal or misuse the operator fixes by changing the command line: printed, exit 2. */
export class UsageError extends Error {}

/** commander argParser for a count or a size: a positive integer (at most `max`), else a message naming the flag. */
export const positiveInt =
  (flag: string, max = Number.MAX_SAFE_INTEGER) =>
  (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
    if (n > max) throw new InvalidArgumentError(`${flag} must be at most ${max}, got ${n}`);
    return n;
  };

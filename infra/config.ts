// The stack's config: one zod schema (./config/schema.ts), validated once at program start.
// A mistake stops the program with one message per problem, each naming the key, what was
// found and what to write instead; secret values are never repeated.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { PROJECT } from "./config/fields";
import { formatIssue, keysAt, schemaAt } from "./config/messages";
import { stackSchema } from "./config/schema";

export { PROJECT, SECRET_FIELDS } from "./config/fields";
export type { SecretField } from "./config/fields";
export { rawConfigFromStackFile } from "./config/stack-file";

export type StackConfig = z.output<typeof stackSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

/**
 * Validates config in `pulumi.runtime.allConfig()` form: `"elegance-ops:app"` → JSON text,
 * `"elegance-ops:timezone"` → plain string, plus `"aws:region"`. Other namespaces are ignored.
 * Throws a ConfigError listing every problem.
 */
export function parseStackConfig(raw: Record<string, string>): StackConfig {
  const problems: string[] = [];
  const data: Record<string, unknown> = { region: raw["aws:region"] };
  const unreadable = new Set<string>(); // keys already reported as invalid JSON
  const prefix = `${PROJECT}:`;
  for (const [key, text] of Object.entries(raw)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (name === "region") {
      problems.push(`${key}: unknown key; the region is read from aws:region (pulumi config set aws:region eu-west-3)`);
      continue;
    }
    const type = schemaAt([name])?.node._zod.def.type;
    if (type !== "object" && type !== "array") {
      data[name] = text;
      continue;
    }
    // allConfig() gives objects and lists as JSON; a plain word is left for the schema to report.
    try {
      data[name] = JSON.parse(text);
    } catch {
      if (/^\s*[[{]/.test(text)) {
        // JSON.parse's own message quotes the text, which may hold secrets.
        problems.push(
          `${key}: the value is not valid JSON; expected ${type === "array" ? "a list" : `an object with keys ${keysAt([name]).join(", ")}`}`,
        );
        unreadable.add(name);
      } else data[name] = text;
    }
  }
  const result = stackSchema.safeParse(data, { reportInput: true });
  if (result.success && problems.length === 0) return result.data;
  const issues = result.success ? [] : result.error.issues.filter((i) => !unreadable.has(String(i.path[0])));
  throw new ConfigError([...problems, ...issues.flatMap(formatIssue)]);
}

/** The stack's config, for `pulumi up`/`preview`. */
export function loadStackConfig(): StackConfig {
  try {
    return parseStackConfig(pulumi.runtime.allConfig());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const n = error.problems.length;
    // RunError: Pulumi prints the message alone, without a stack trace.
    throw new pulumi.RunError(
      `Invalid stack config (${n} problem${n === 1 ? "" : "s"}):\n  - ${error.problems.join("\n  - ")}`,
    );
  }
}

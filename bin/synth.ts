// `npm run --silent synth`: evaluates the whole Pulumi program under mocks with the prod
// stack file (secrets replaced by placeholders) and prints every resource with its inputs,
// as one JSON array. `--summary` prints counts per type and the stack outputs instead.
// SYNTH_CONFIG=<file> selects another stack file. Invalid config, a missing file or bad YAML:
// messages naming the file (and line), no stack trace, exit 1. A closed pipe (`| head`) ends it quietly.
import * as path from "path";
import { ConfigError, parseStackConfig, StackConfig } from "../infra/config";
import { problemCount, readStackFile, StackFileError } from "../infra/config/stack-file";
import { Plan, planProgram } from "../infra/plan";
import { program } from "../infra/program";

export function stackFile(): string {
  return process.env.SYNTH_CONFIG ?? path.join(__dirname, "..", "Pulumi.prod.yaml");
}

export async function synth(file: string): Promise<Plan> {
  const raw = readStackFile(file, true);
  const config: StackConfig = parseStackConfig(raw);
  const plan = await planProgram(() => program(config), raw);
  const order = (a: { type: string; name: string }, b: { type: string; name: string }) =>
    a.type.localeCompare(b.type) || a.name.localeCompare(b.name);
  return { ...plan, resources: [...plan.resources].sort(order) };
}

export function summary(plan: Plan): string {
  const counts = new Map<string, number>();
  for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  const width = Math.max(...[...counts.keys()].map((t) => t.length));
  const lines = [...counts].map(([type, n]) => `  ${type.padEnd(width)}  ${n}`);
  return [`${plan.resources.length} resources`, ...lines, "outputs:", JSON.stringify(plan.outputs, null, 2)].join("\n");
}

async function main(): Promise<void> {
  // `synth | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(0);
  });
  const file = stackFile();
  try {
    const plan = await synth(file);
    const text = process.argv.includes("--summary") ? summary(plan) : JSON.stringify(plan.resources, null, 2);
    process.stdout.write(text + "\n");
  } catch (error) {
    if (error instanceof StackFileError) {
      process.stderr.write(`${error.message}\n`);
    } else if (error instanceof ConfigError) {
      process.stderr.write(`${path.basename(file)}: invalid stack config (${problemCount(error.problems.length)})\n`);
      for (const problem of error.problems) process.stderr.write(`  - ${problem}\n`);
    } else {
      throw error;
    }
    process.exitCode = 1;
  }
}

if (require.main === module) void main();

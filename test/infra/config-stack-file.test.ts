// Issue 19: `npm run synth` with a missing stack file or a YAML error printed a 23-line stack
// trace; `(1 problems)`; `synth | head` printed an EPIPE trace; the README's
// SYNTH_CONFIG=Pulumi.staging.yaml named no file. The real command, as a user runs it.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const root = path.join(__dirname, "..", "..");
const dir = mkdtempSync(path.join(tmpdir(), "elegance-stackfile-"));
const ours = (stderr: string) =>
  stderr
    .split("\n")
    .filter((l) => l && !l.startsWith("npm warn"))
    .join("\n");

async function synth(file: string): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)("npx", ["ts-node", "--transpile-only", "bin/synth.ts", "--summary"], {
      cwd: root,
      env: { ...process.env, SYNTH_CONFIG: file },
    });
    return { code: 0, stderr: ours(stderr) };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: ours(e.stderr) };
  }
}

describe("npm run synth on a bad stack file", () => {
  it("names the missing file, the YAML error's line, and counts '1 problem'; no stack trace", async () => {
    const broken = path.join(dir, "Pulumi.broken.yaml");
    writeFileSync(broken, "config:\n  elegance-ops:app:\n    name: x\n   url: [oops\n");
    const invalid = path.join(dir, "Pulumi.invalid.yaml");
    writeFileSync(
      invalid,
      readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8").replace(
        /cron\(0 7 \* \* \? \*\)/,
        "cron(0 25 * * ? *)",
      ),
    );
    const [missing, yaml, one] = await Promise.all([
      synth(path.join(dir, "Pulumi.nope.yaml")),
      synth(broken),
      synth(invalid),
    ]);
    expect(missing).toEqual({ code: 1, stderr: `${path.join(dir, "Pulumi.nope.yaml")}: no such stack file` });
    expect(yaml.code).toBe(1);
    expect(yaml.stderr).toMatch(
      new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4:\\d+: not valid YAML: [^\\n]+$`),
    );
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(
      /^Pulumi\.invalid\.yaml: invalid stack config \(1 problem\)\n {2}- elegance-ops:schedules\.daily: "cron\(0 25 \* \* \? \*\)" has an invalid hours field "25"/,
    );
  }, 180_000);

  it("the README's staging example synthesizes, and a reader closing the pipe early gets no EPIPE trace", async () => {
    const child = spawn("npm", ["run", "--silent", "synth"], {
      cwd: root,
      env: { ...process.env, SYNTH_CONFIG: "examples/Pulumi.staging.yaml" },
    });
    let stderr = "";
    let first = "";
    child.stderr.on("data", (d) => (stderr += d));
    // `| head -c 1`: read one chunk, then close our end of the pipe.
    await new Promise<void>((resolve) =>
      child.stdout.once("data", (d) => ((first = String(d)), child.stdout.destroy(), resolve())),
    );
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(first.startsWith("[")).toBe(true);
    expect(ours(stderr)).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
  }, 180_000);
});

// `npm run --silent synth` is how anyone reads the plan without credentials: run the real
// command, as a user would, and check what it prints.
import { execFile } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { promisify } from "util";
import { PROD_STACK_FILE } from "../support/pulumi";

const run = promisify(execFile);
const root = path.join(__dirname, "..", "..");

/** stderr without npm's own warnings about the machine's npm config. */
const ours = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => !line.startsWith("npm warn"))
    .join("\n")
    .trim();

async function synth(env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run("npm", ["run", "--silent", "synth"], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr: ours(stderr) };
  } catch (error: any) {
    return { code: error.code as number, stdout: error.stdout as string, stderr: ours(error.stderr as string) };
  }
}

describe("npm run synth", () => {
  let resources: Array<{ type: string; name: string; inputs: Record<string, any> }>;

  beforeAll(async () => {
    const { code, stdout, stderr } = await synth();
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    resources = JSON.parse(stdout);
  }, 120_000);

  const ofType = (type: string) => resources.filter((r) => r.type === type);

  it("prints one JSON array of {type, name, inputs}", () => {
    expect(Array.isArray(resources)).toBe(true);
    for (const r of resources) expect(Object.keys(r).sort()).toEqual(["inputs", "name", "type"]);
  });

  it("contains the buckets, their lifecycle rules and the trail", () => {
    expect(
      ofType("aws:s3/bucket:Bucket")
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "elegance-mobilite-backups",
      "elegance-mobilite-logs",
      "elegance-mobilite-metrics-athena-results",
      "elegance-mobilite-security-logs",
    ]);
    const prefixes = ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
      .flatMap((r) => r.inputs.rules)
      .map((rule: any) => `${rule.filter?.prefix ?? rule.filter?.tag?.value ?? "*"}=${rule.expiration?.days ?? "-"}`);
    expect(prefixes).toEqual(
      expect.arrayContaining([
        "app/=30",
        "access/=90",
        "security/=365",
        "metrics/=731",
        "reports/=731",
        "daily=35",
        "monthly=365",
      ]),
    );
    expect(ofType("aws:cloudtrail/trail:Trail")).toEqual([
      expect.objectContaining({ inputs: expect.objectContaining({ s3KeyPrefix: "security" }) }),
    ]);
  });

  it("shows the pages' SMS path, the failed-run destinations, no reserved concurrency and the app on Vercel", () => {
    expect(ofType("aws:sns/smsPreferences:SmsPreferences")).toEqual([
      expect.objectContaining({
        inputs: expect.objectContaining({ defaultSmsType: "Transactional", monthlySpendLimit: 1 }),
      }),
    ]);
    expect(ofType("aws:lambda/function:Function").map((r) => r.name)).toContain("elegance-mobilite-sms-formatter");
    expect(ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => r.name)).toContain(
      "elegance-mobilite-sms-formatter-errors",
    );
    const scheduled = ofType("aws:scheduler/schedule:Schedule").map((s) => s.inputs.target.arn);
    const configs = ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    expect(
      configs.map((c) => `arn:aws:lambda:eu-west-3:123456789012:function:${c.inputs.functionName}`).sort(),
    ).toEqual(scheduled.sort());
    for (const c of configs) expect(c.inputs.destinationConfig.onFailure.destination).toMatch(/^arn:aws:sqs:/);
    for (const f of ofType("aws:lambda/function:Function"))
      expect(f.inputs).not.toHaveProperty("reservedConcurrentExecutions");
    expect(ofType("vercel:index/logDrain:LogDrain")).toHaveLength(1);
    expect(ofType("vercel:index/edgeConfig:EdgeConfig")).toHaveLength(1);
  });

  it("shows secrets as [secret] and never their placeholder values", () => {
    const version = resources.find((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion");
    expect(version?.inputs.secretString).toBe("[secret]");
    const text = JSON.stringify(resources);
    expect(text).not.toMatch(/postgresql:\/\//);
    expect(text).not.toMatch(/\+33\d{9}/);
  });

  it("exits non-zero with one message per problem for an invalid stack file", async () => {
    const bad = readFileSync(PROD_STACK_FILE, "utf8")
      .replace(/appDays: 30/, "appDays: 45")
      .replace(/timezone: Europe\/Paris/, "timezone: Europe/Pariss");
    const dir = mkdtempSync(path.join(tmpdir(), "synth-"));
    const file = path.join(dir, "Pulumi.bad.yaml");
    writeFileSync(file, bad);
    const { code, stdout, stderr } = await synth({ SYNTH_CONFIG: file });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/elegance-ops:logRetention\.appDays: 45 is not a CloudWatch retention value/);
    expect(stderr).toMatch(/elegance-ops:timezone/);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 120_000);
});

// The security checks under Pulumi mocks: their settings on the lists' functions, IAM's read-only
// report actions derived from `needs.awsRead`, the Vercel/Supabase tokens as secrets only when
// configured (ARNs on the functions, never values); and the config keys' messages.
import { find, ofType, planStack, problemsOf, prodRawConfig, type Plan } from "../support/pulumi";
import { needsStatements } from "../../infra/needs";

const fn = (plan: Plan, list: string) =>
  find(plan, "aws:lambda/function:Function", `elegance-mobilite-${list}-checklist`).inputs.environment.variables;
const policy = (plan: Plan, list: string) =>
  JSON.parse(find(plan, "aws:iam/rolePolicy:RolePolicy", `elegance-mobilite-${list}-checklist-policy`).inputs.policy)
    .Statement as { Sid: string; Action: string | string[]; Resource: string | string[] }[];
const secretNames = (plan: Plan) =>
  ofType(plan, "aws:secretsmanager/secret:Secret").map((s) => s.inputs.name as string);
// The keys of the one runtime secret (its description lists them; its value is a Pulumi secret).
const secretKeys = (plan: Plan) =>
  String(find(plan, "aws:secretsmanager/secret:Secret", "elegance-mobilite-runtime").inputs.description);

describe("security checks in the plan", () => {
  let plain: Plan;
  let configured: Plan;
  beforeAll(async () => {
    // The prod stack has its Vercel block (the app is on Vercel): "plain" is one without it.
    plain = await planStack((raw) => {
      delete raw["elegance-ops:vercel"];
    });
    configured = await planStack((raw) => {
      raw["elegance-ops:vercel"] = JSON.stringify({
        teamId: "team_abc123",
        projectId: "prj_abc123",
        token: "AbCdEfGhIjKlMnOpQrStUvWx",
      });
      raw["elegance-ops:security"] = JSON.stringify({
        snykToken: "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        lockfile: "github",
        github: { repository: "elegance-mobilite/app", token: `github_pat_${"G".repeat(30)}` },
      });
      raw["elegance-ops:access"] = JSON.stringify({
        approved: [{ name: "camille.martin@elegance-mobilite.fr", role: "owner" }],
        supabaseOrganization: "elegance-mobilite",
        supabaseToken: "sbp_" + "a".repeat(40),
      });
    });
  });

  it("gives the weekly and monthly functions their settings, and the monthly one IAM's read-only report actions", () => {
    expect(JSON.parse(fn(plain, "weekly").SECURITY_SETTINGS)).toEqual({
      levels: { critical: "fail", high: "warn", moderate: "report", low: "report" },
      ignore: [],
    });
    expect(JSON.parse(fn(plain, "monthly").ACCESS_SETTINGS)).toEqual({ approved: [], maxKeyAgeDays: 90, aws: true });
    const read = policy(plain, "monthly").find((s) => s.Sid === "ReadAws");
    expect(read).toEqual({
      Sid: "ReadAws",
      Effect: "Allow",
      Action: ["iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListRoles"],
      Resource: "*",
    });
    expect(policy(plain, "monthly").find((s) => s.Sid === "WriteLogs")!.Resource).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/security\/access-reviews\/\*$/)]),
    );
    expect(policy(plain, "weekly").some((s) => s.Sid === "ReadAws")).toBe(false);
    // The scan's OSV detail cache, and the review's reading of the daily connection samples.
    const grant = (list: string, sid: string) => [policy(plain, list).find((s) => s.Sid === sid)!.Resource].flat();
    expect(grant("weekly", "ReadLogs")).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/security\/osv-cache\/\*$/)]),
    );
    expect(grant("weekly", "WriteLogs")).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/security\/osv-cache\/\*$/)]),
    );
    expect(grant("monthly", "ReadLogs")).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/reports\/checklists\/daily\/\*$/)]),
    );
  });

  it("stores the GitHub token as a key of the runtime secret only when set, its reference on the weekly list only", () => {
    expect(secretKeys(plain)).not.toContain("githubToken");
    expect(fn(plain, "weekly")).not.toHaveProperty("GITHUB_TOKEN_SECRET_ARN");
    expect(secretKeys(configured)).toContain("githubToken");
    expect(fn(configured, "weekly").GITHUB_TOKEN_SECRET_ARN).toMatch(/runtime#githubToken$/);
    for (const list of ["daily", "monthly"]) expect(fn(configured, list)).not.toHaveProperty("GITHUB_TOKEN_SECRET_ARN");
    expect(JSON.stringify(fn(configured, "weekly"))).not.toContain("GGGGGGGGGG");
  });

  it("creates Snyk's secret only when its token is set, its ARN on the scan's function, never its value", () => {
    // Not configured: no key in the runtime secret, no reference, no grant for it.
    expect(secretNames(plain).filter((n) => /snyk/.test(n))).toEqual([]);
    expect(secretKeys(plain)).not.toContain("snykToken");
    expect(fn(plain, "weekly")).not.toHaveProperty("SNYK_TOKEN_SECRET_ARN");
    expect(JSON.stringify(policy(plain, "weekly"))).not.toContain("snyk");
    expect(secretKeys(configured)).toContain("snykToken");
    expect(fn(configured, "weekly").SNYK_TOKEN_SECRET_ARN).toMatch(/^arn:aws:secretsmanager:.*runtime#snykToken$/);
    expect(fn(configured, "daily")).not.toHaveProperty("SNYK_TOKEN_SECRET_ARN");
    // deps-check (monthly) reads the security settings but not Snyk: the grant follows needs.tokens.
    expect(fn(configured, "monthly")).not.toHaveProperty("SNYK_TOKEN_SECRET_ARN");
    expect(JSON.stringify(fn(configured, "weekly"))).not.toContain("0f1e2d3c-4b5a");
    expect([policy(configured, "weekly").find((s) => s.Sid === "ReadOwnSecrets")!.Resource].flat()).toEqual([
      expect.stringMatching(/secret:elegance-mobilite\/runtime$/),
    ]);
  });

  it("creates no Vercel or Supabase secret unless configured; then only ARNs reach the functions", () => {
    expect(secretNames(plain).filter((n) => /vercel-token|supabase-token/.test(n))).toEqual([]);
    expect(secretKeys(plain)).not.toMatch(/vercelToken|supabaseToken/);
    expect(fn(plain, "weekly")).not.toHaveProperty("VERCEL_TOKEN_SECRET_ARN");
    expect(secretKeys(configured)).toMatch(/vercelToken.*supabaseToken/);
    const weekly = fn(configured, "weekly");
    expect(weekly).toMatchObject({ VERCEL_TEAM_ID: "team_abc123", VERCEL_PROJECT_ID: "prj_abc123" });
    expect(weekly.VERCEL_TOKEN_SECRET_ARN).toMatch(/^arn:aws:secretsmanager:.*runtime#vercelToken$/);
    expect(weekly).not.toHaveProperty("SUPABASE_TOKEN_SECRET_ARN");
    expect(fn(configured, "monthly").SUPABASE_TOKEN_SECRET_ARN).toMatch(/runtime#supabaseToken$/);
    expect(JSON.stringify(fn(configured, "monthly"))).not.toContain("AbCdEfGhIjKlMnOpQrStUvWx");
    expect(JSON.stringify(fn(configured, "monthly"))).not.toContain("sbp_aaaa");
    const read = policy(configured, "monthly").find((s) => s.Sid === "ReadOwnSecrets")!;
    expect([read.Resource].flat()).toEqual([expect.stringMatching(/secret:elegance-mobilite\/runtime$/)]);
  });

  it("refuses a write action declared as a read", () => {
    expect(() =>
      needsStatements({ awsRead: ["iam:DeleteUser"] }, { logsBucket: "arn:l", backupsBucket: "arn:b" }),
    ).toThrow("needs.awsRead: iam:DeleteUser are not read-only actions");
  });
});

describe("security and access config", () => {
  const problems = (key: string, value: unknown) => {
    const raw = prodRawConfig();
    raw[`elegance-ops:${key}`] = JSON.stringify(value);
    return problemsOf(raw);
  };

  it("names the ignore entry missing its reason or with a bad expiry", () => {
    const found = problems("security", { ignore: [{ id: "GHSA-jf85-cpcp-j695", expires: "2026-13-01" }] });
    expect(found.join("\n")).toMatch(/elegance-ops:security\.ignore\[0\]\.reason is missing/);
    expect(found.join("\n")).toMatch(/elegance-ops:security\.ignore\[0\]\.expires: .*YYYY-MM-DD/);
    expect(problems("security", { snykToken: "snyk-abc" }).join("\n")).toMatch(
      /elegance-ops:security\.snykToken: .*a Snyk API token \(a UUID/,
    );
    expect(problems("security", { levels: { high: "page" } }).join("\n")).toMatch(
      /elegance-ops:security\.levels\.high: .*fail, warn or report/,
    );
  });

  it("names an approved entry with an unknown role", () => {
    const found = problems("access", { approved: [{ name: "lea", role: "superadmin" }] });
    expect(found.join("\n")).toMatch(
      /elegance-ops:access\.approved\[0\]\.role: .*one of viewer, developer, admin, owner/,
    );
  });
});

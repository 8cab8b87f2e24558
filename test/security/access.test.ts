// The monthly access review on the real test-bed PostgreSQL (roles made for it), the fake
// Vercel and Supabase APIs on loopback, and IAM through the SDK mock.
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListRolesCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { createLoginRole, useFreshDatabase } from "../support/db";
import { startSupabaseApi, type FakeSupabase } from "../support/supabase-api";
import { startVercelApi, type FakeVercel } from "../support/vercel-api";
import { inputsFromEnv } from "../../lambdas/core/inputs";
import { runAccessReview } from "../../lambdas/access/run";
import { accessResult, type ApprovedEntry } from "../../lambdas/access/review";

const iam = mockClient(IAMClient);
const NOW = new Date("2026-12-01T03:00:00Z");
const ACCOUNT = "123456789012";
const CSV = [
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated",
  "<root_account>,arn:aws:iam::123456789012:root,2024-01-01T00:00:00+00:00,not_supported,2026-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,false,N/A",
  "camille,arn:aws:iam::123456789012:user/camille,2024-01-01T00:00:00+00:00,true,2026-11-30T00:00:00+00:00,N/A,N/A,true,true,2026-10-01T00:00:00+00:00,N/A,false,N/A",
  "old-ci,arn:aws:iam::123456789012:user/old-ci,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-01-15T00:00:00+00:00,N/A,false,N/A",
  "intern,arn:aws:iam::123456789012:user/intern,2024-01-01T00:00:00+00:00,true,N/A,N/A,N/A,false,false,N/A,N/A,false,N/A",
].join("\n");

describe("access review", () => {
  const db = useFreshDatabase();
  let vercel: FakeVercel;
  let supabase: FakeSupabase;
  beforeAll(async () => {
    // Roles are cluster-wide: names unique to this file.
    await createLoginRole("acc_reporting", "x-reporting-pw", "VALID UNTIL '2026-06-01'");
    await createLoginRole("acc_camille", "x-camille-pw", "CREATEROLE");
    await createLoginRole("acc_unknown", "x-unknown-pw");
    vercel = await startVercelApi({ token: "vcp_access-token-1234567890", teamId: "team_elegance" });
    vercel.members = [
      { uid: "u1", email: "camille.martin@elegance-mobilite.fr", username: "camille", role: "OWNER", confirmed: true },
      { uid: "u2", email: "lea@elegance-mobilite.fr", username: "lea", role: "OWNER", confirmed: true },
      { uid: "u3", email: "stranger@example.com", username: "stranger", role: "MEMBER", confirmed: false },
    ];
    vercel.project.deployHooks = [{ id: "hk_1", name: "rebuild", ref: "main", createdAt: 1 }];
    supabase = await startSupabaseApi({ token: "sbp_test", organization: "elegance-mobilite" });
    supabase.members = [
      {
        user_id: "s1",
        user_name: "camille",
        email: "camille.martin@elegance-mobilite.fr",
        role_name: "Owner",
        mfa_enabled: true,
      },
      {
        user_id: "s2",
        user_name: "paul",
        email: "paul@elegance-mobilite.fr",
        role_name: "Developer",
        mfa_enabled: false,
      },
    ];
  });
  afterAll(async () => Promise.all([vercel?.close(), supabase?.close()]));
  beforeEach(() => {
    iam.reset();
    iam.on(GenerateCredentialReportCommand).resolvesOnce({ State: "STARTED" }).resolves({ State: "COMPLETE" });
    iam.on(GetCredentialReportCommand).resolves({ Content: Buffer.from(CSV), ReportFormat: "text/csv" });
    const trust = (principal: string) =>
      encodeURIComponent(
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "sts:AssumeRole" }],
        }),
      );
    iam.on(ListRolesCommand).resolves({
      Roles: [
        {
          RoleName: "own",
          Arn: `arn:aws:iam::${ACCOUNT}:role/own`,
          Path: "/",
          RoleId: "1",
          CreateDate: NOW,
          AssumeRolePolicyDocument: trust(`arn:aws:iam::${ACCOUNT}:root`),
        },
        {
          RoleName: "vendor-audit",
          Arn: `arn:aws:iam::${ACCOUNT}:role/vendor-audit`,
          Path: "/",
          RoleId: "2",
          CreateDate: NOW,
          AssumeRolePolicyDocument: trust("arn:aws:iam::999988887777:root"),
        },
      ],
    });
  });

  const approved: ApprovedEntry[] = [
    { name: "postgres", role: "admin", systems: ["postgres"] },
    { name: "elegance_ops_maintenance", role: "developer", systems: ["postgres"] },
    { name: "acc_reporting", role: "developer", systems: ["postgres"] },
    { name: "acc_camille", role: "developer", systems: ["postgres"] },
    { name: "camille.martin@elegance-mobilite.fr", role: "owner", systems: ["vercel", "supabase"] },
    { name: "lea@elegance-mobilite.fr", role: "developer", systems: ["vercel"] },
    { name: "paul@elegance-mobilite.fr", role: "developer", systems: ["supabase"] },
    { name: "camille", role: "admin", systems: ["aws"] },
    { name: "old-ci", role: "developer", systems: ["aws"] },
    { name: "role/vendor-audit", role: "admin", systems: ["aws"] },
    { name: "julien@elegance-mobilite.fr", role: "developer", systems: ["vercel"] },
  ];

  it("finds accounts not approved, privileges above their role, stale credentials and approved entries gone", async () => {
    const inputs = inputsFromEnv({
      DATABASE_URL: db().url,
      VERCEL_TOKEN: "vcp_access-token-1234567890",
      VERCEL_TEAM_ID: "team_elegance",
      VERCEL_PROJECT_ID: "prj_elegance",
      VERCEL_API_URL: vercel.url,
    });
    const review = await runAccessReview(
      inputs,
      {
        settings: { approved, supabaseOrganization: "elegance-mobilite" },
        supabase: { token: async () => "sbp_test", apiUrl: supabase.url },
        // No account id given: read from the report's root line.
        aws: { iam: iam as unknown as IAMClient, pollMs: 5 },
      },
      NOW,
    );
    expect(review.reviewed).toEqual(["postgres", "vercel", "supabase", "aws"]);
    const f = (system: string, name: string) =>
      review.findings.filter((x) => x.system === system && x.name === name).map((x) => `${x.status} ${x.problem}`);
    // PostgreSQL: a role nobody approved, one with CREATEROLE approved as developer, an expired password.
    expect(f("postgres", "acc_unknown")).toEqual(["fail not approved"]);
    expect(f("postgres", "acc_camille")).toEqual(["fail privilege above approved role"]);
    expect(f("postgres", "acc_reporting")).toEqual(["warn stale credential"]);
    // Supabase's own service roles are listed, never findings.
    expect(review.accounts.find((a) => a.name === "supabase_admin")).toMatchObject({
      service: true,
      privilege: "owner",
    });
    expect(f("postgres", "supabase_admin")).toEqual([]);
    expect(f("postgres", "authenticator")).toEqual([]);
    // Vercel: an owner approved as developer, a stranger, an entry gone.
    expect(f("vercel", "lea")).toEqual(["fail privilege above approved role"]);
    expect(f("vercel", "stranger")).toEqual(["warn stale credential", "fail not approved"]);
    expect(f("vercel", "julien@elegance-mobilite.fr")).toEqual(["warn approved but gone"]);
    expect(review.deployHooks).toEqual([{ id: "hk_1", name: "rebuild", ref: "main", createdAt: 1 }]);
    // Supabase: a member without MFA.
    expect(f("supabase", "paul")).toEqual(["warn stale credential"]);
    // AWS: an old key, a console user without MFA and not approved, a role another account may assume.
    expect(f("aws", "old-ci")).toEqual(["warn stale credential"]);
    expect(review.findings.find((x) => x.name === "old-ci")!.detail).toBe("access key 1 is 320 days old (> 90)");
    expect(f("aws", "intern")).toEqual(["warn stale credential", "fail not approved"]);
    expect(f("aws", "camille")).toEqual([]);
    expect(review.accounts.filter((a) => a.name.startsWith("role/")).map((a) => a.name)).toEqual(["role/vendor-audit"]);
    expect(iam.commandCalls(GenerateCredentialReportCommand)).toHaveLength(2);
    const result = accessResult(review);
    expect(result.status).toBe("fail");
    expect(result.summary).toMatch(
      /: \d+ not approved, \d+ above their role, \d+ stale credentials, \d+ approved but gone$/,
    );
    // Login roles are cluster-wide: other test files' roles (made at the same time) are not this test's to count.
    const ours = review.findings.filter((x) => x.system !== "postgres" || /^(acc_|elegance_ops_)/.test(x.name));
    const count = (problem: string) => ours.filter((x) => x.problem === problem).length;
    expect([
      count("not approved"),
      count("privilege above approved role"),
      count("stale credential"),
      count("approved but gone"),
    ]).toEqual([3, 2, 5, 2]);
    // The test bed has no maintenance role (the stack creates it): approved, and gone.
    expect(review.findings.filter((x) => x.problem === "approved but gone").map((x) => x.name)).toEqual([
      "elegance_ops_maintenance",
      "julien@elegance-mobilite.fr",
    ]);
  });

  it("reports a system it cannot read, and reviews the others", async () => {
    iam.reset();
    iam.on(GenerateCredentialReportCommand).rejects(
      Object.assign(new Error("User is not authorized to perform: iam:GenerateCredentialReport"), {
        name: "AccessDenied",
      }),
    );
    const review = await runAccessReview(
      inputsFromEnv({ DATABASE_URL: db().url }),
      { settings: { approved }, aws: { iam: iam as unknown as IAMClient, accountId: ACCOUNT } },
      NOW,
    );
    expect(review.reviewed).toEqual(["postgres"]);
    expect(review.unreadable).toEqual(["aws: User is not authorized to perform: iam:GenerateCredentialReport"]);
    expect(accessResult(review).summary).toContain("not read: aws: User is not authorized");
  });
});

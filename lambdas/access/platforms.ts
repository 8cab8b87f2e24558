// Vercel, Supabase and AWS accounts for the access review, each read through its API:
// Vercel's team members and the project's deploy hooks, the Supabase organization's members
// (Management API), and IAM's credential report plus the roles another account may assume.
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListRolesCommand,
  type Role,
} from "@aws-sdk/client-iam";
import type { VercelApi } from "../vercel/api";
import type { JsonClient } from "../security/http";
import type { Account, AccessRole } from "./accounts";

const VERCEL_ROLES: Record<string, AccessRole> = {
  OWNER: "owner",
  MEMBER: "developer",
  DEVELOPER: "developer",
  CONTRIBUTOR: "developer",
  SECURITY: "developer",
  BILLING: "viewer",
  VIEWER: "viewer",
};

export async function vercelAccounts(
  api: VercelApi,
  team: string,
  project: string,
): Promise<{ accounts: Account[]; deployHooks: unknown[] }> {
  const accounts: Account[] = [];
  let until: number | undefined;
  // Paged by `until` (the last member's join time), 100 at a time, as Vercel's pagination says.
  for (let page = 0; page < 50; page++) {
    const answer = await api.get<{
      members: {
        uid: string;
        email: string;
        username: string;
        role: string;
        confirmed: boolean;
        joinedFrom?: unknown;
        createdAt?: number;
      }[];
      pagination?: { next: number | null };
    }>(`/v2/teams/${encodeURIComponent(team)}/members`, { limit: 100, until });
    for (const m of answer.members) {
      accounts.push({
        system: "vercel",
        name: m.username,
        aliases: [m.email, m.uid],
        privilege: VERCEL_ROLES[m.role] ?? "owner",
        grants: [m.role],
        stale: m.confirmed ? [] : ["invitation not accepted"],
      });
    }
    if (!answer.pagination?.next) break;
    until = answer.pagination.next;
  }
  const p = await api.get<{ link?: { deployHooks?: { id: string; name: string; ref: string; createdAt: number }[] } }>(
    `/v9/projects/${encodeURIComponent(project)}`,
  );
  return { accounts, deployHooks: p.link?.deployHooks ?? [] };
}

const SUPABASE_ROLES: Record<string, AccessRole> = {
  Owner: "owner",
  Administrator: "admin",
  Developer: "developer",
  "Read-only": "viewer",
};

export async function supabaseAccounts(
  client: JsonClient,
  apiUrl: string,
  token: string,
  organization: string,
): Promise<Account[]> {
  const members = await client.request<
    { user_id: string; user_name: string; email?: string; role_name: string; mfa_enabled: boolean }[]
  >({
    source: "Supabase",
    url: `${apiUrl.replace(/\/+$/, "")}/v1/organizations/${encodeURIComponent(organization)}/members`,
    headers: { authorization: `Bearer ${token}` },
  });
  return (members ?? []).map((m) => ({
    system: "supabase" as const,
    name: m.user_name,
    aliases: [m.email ?? "", m.user_id].filter(Boolean),
    privilege: SUPABASE_ROLES[m.role_name] ?? "owner",
    grants: [m.role_name],
    stale: m.mfa_enabled ? [] : ["no MFA"],
  }));
}

const DAY_MS = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The credential report (generated, then read once ready; at most `waitMs`) as rows of its CSV. */
async function credentialReport(iam: IAMClient, waitMs: number, pollMs: number): Promise<Record<string, string>[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { State } = await iam.send(new GenerateCredentialReportCommand({}));
    if (State === "COMPLETE") break;
    if (Date.now() > deadline) throw new Error(`IAM credential report not ready after ${waitMs} ms (state ${State})`);
    await sleep(pollMs);
  }
  const { Content } = await iam.send(new GetCredentialReportCommand({}));
  const [header, ...lines] = Buffer.from(Content ?? new Uint8Array())
    .toString("utf8")
    .trim()
    .split("\n");
  const names = header.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i], v])));
}

const age = (iso: string, now: Date) =>
  iso && iso !== "N/A" ? Math.floor((now.getTime() - Date.parse(iso)) / DAY_MS) : undefined;

export async function awsAccounts(
  iam: IAMClient,
  accountId: string | undefined,
  now: Date,
  maxKeyAgeDays: number,
  opts = { waitMs: 30_000, pollMs: 2_000 },
): Promise<Account[]> {
  const out: Account[] = [];
  const report = await credentialReport(iam, opts.waitMs, opts.pollMs);
  // Not given (in the Lambda): the account is the one of the report's root line.
  const own =
    accountId ?? report.find((r) => r.user === "<root_account>")?.arn.match(/^arn:aws:iam::(\d{12}):root$/)?.[1];
  for (const row of report) {
    const console = row.password_enabled === "true";
    const keys = [1, 2].filter((n) => row[`access_key_${n}_active`] === "true");
    if (row.user === "<root_account>") {
      if (keys.length)
        out.push({
          system: "aws",
          name: "root",
          aliases: [],
          privilege: "owner",
          grants: ["root"],
          stale: ["root has access keys: delete them"],
        });
      continue;
    }
    if (!console && !keys.length) continue;
    const stale: string[] = [];
    if (console && row.mfa_active !== "true") stale.push("console access without MFA");
    for (const n of keys) {
      const days = age(row[`access_key_${n}_last_rotated`], now);
      if (days !== undefined && days > maxKeyAgeDays)
        stale.push(`access key ${n} is ${days} days old (> ${maxKeyAgeDays})`);
    }
    const grants = [...(console ? ["console"] : []), ...keys.map((n) => `access key ${n}`)];
    out.push({
      system: "aws",
      name: row.user,
      aliases: [row.arn],
      privilege: "developer",
      grants,
      stale,
      info: { passwordLastUsed: row.password_last_used },
    });
  }
  // Roles another account may assume: listed as accounts of their own (to approve by role name).
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListRolesCommand({ Marker: marker }));
    for (const role of page.Roles ?? []) {
      const outside = externalPrincipals(role, own);
      if (outside.length)
        out.push({
          system: "aws",
          name: `role/${role.RoleName}`,
          aliases: [role.Arn ?? ""],
          privilege: "admin",
          grants: outside.map((p) => `trusted: ${p}`),
          stale: [],
        });
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

/** The AWS principals of another account in a role's trust policy. */
export function externalPrincipals(role: Role, accountId: string | undefined): string[] {
  let doc: { Statement?: { Effect?: string; Principal?: { AWS?: string | string[] } }[] };
  try {
    doc = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument ?? "{}"));
  } catch {
    return [];
  }
  const principals = (doc.Statement ?? [])
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) => [s.Principal?.AWS ?? []].flat());
  return principals.filter((p) => {
    const account = p.match(/^(\d{12})$/)?.[1] ?? p.match(/^arn:aws:iam::(\d{12}):/)?.[1];
    return p === "*" || (account !== undefined && account !== accountId);
  });
}

// The monthly access review: every account of every reviewed system against the approved list
// (`access.approved`): not approved (fail, level 2), privileges above the approved role (fail),
// stale credentials (warn, level 1), approved but gone (warn: clean the list).
import type { CheckResult, CheckStatus } from "../core/check";
import { worst } from "../core/check";
import { roleRank, type AccessRole, type Account, type System } from "./accounts";

export interface ApprovedEntry {
  /** A role name, username, e-mail or IAM user name. */
  name: string;
  role: AccessRole;
  /** Where the entry applies; absent: everywhere. */
  systems?: System[];
}

export interface AccessSettings {
  approved: ApprovedEntry[];
  /** Access keys older than this are stale. @default 90 */
  maxKeyAgeDays: number;
  /** The Supabase organization (slug) whose members are reviewed. */
  supabaseOrganization?: string;
}

export const DEFAULT_ACCESS_SETTINGS: AccessSettings = { approved: [], maxKeyAgeDays: 90 };

export type AccessProblem = "not approved" | "privilege above approved role" | "stale credential" | "approved but gone";

export interface AccessFinding {
  problem: AccessProblem;
  system: System;
  name: string;
  status: "fail" | "warn";
  detail: string;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const applies = (e: ApprovedEntry, system: System) => !e.systems || e.systems.includes(system);

export function reviewAccounts(accounts: Account[], reviewed: System[], approved: ApprovedEntry[]): AccessFinding[] {
  const findings: AccessFinding[] = [];
  const matched = new Set<ApprovedEntry>();
  for (const a of accounts) {
    for (const s of a.stale)
      findings.push({ problem: "stale credential", system: a.system, name: a.name, status: "warn", detail: s });
    if (a.service) continue;
    const entry = approved.find((e) => applies(e, a.system) && [a.name, ...a.aliases].some((n) => same(n, e.name)));
    if (!entry) {
      findings.push({
        problem: "not approved",
        system: a.system,
        name: a.name,
        status: "fail",
        detail: `${a.grants.join(", ") || "can log in"}; add it to access.approved or remove it`,
      });
      continue;
    }
    matched.add(entry);
    if (a.unseen)
      findings.push({ problem: "stale credential", system: a.system, name: a.name, status: "warn", detail: a.unseen });
    if (roleRank(a.privilege) > roleRank(entry.role)) {
      findings.push({
        problem: "privilege above approved role",
        system: a.system,
        name: a.name,
        status: "fail",
        detail: `approved as ${entry.role}, has ${a.privilege} (${a.grants.join(", ")})`,
      });
    }
  }
  for (const e of approved) {
    if (matched.has(e)) continue;
    const where = (e.systems ?? reviewed).filter((s) => reviewed.includes(s));
    // An entry for every system is gone only when no system has it.
    if (where.length)
      findings.push({
        problem: "approved but gone",
        system: where[0],
        name: e.name,
        status: "warn",
        detail: `approved as ${e.role} but found in none of ${where.join(", ")}: remove it from access.approved`,
      });
  }
  return findings;
}

export interface AccessReview {
  at: string;
  reviewed: System[];
  /** Systems that could not be read, with the reason. */
  unreadable: string[];
  accounts: Account[];
  findings: AccessFinding[];
  deployHooks?: unknown[];
  /** The daily connection samples read for PostgreSQL's last logins. */
  activity?: { samples: number; oldest?: string; unreadable: string[] };
  recordKey?: string;
}

export function accessResult(review: AccessReview): CheckResult {
  const statuses: CheckStatus[] = review.findings.map((f) => f.status);
  if (review.unreadable.length) statuses.push("warn");
  const count = (p: AccessProblem) => review.findings.filter((f) => f.problem === p).length;
  const people = review.accounts.filter((a) => !a.service).length;
  const summary = [
    `${people} accounts in ${review.reviewed.join(", ") || "no system"}: ${count("not approved")} not approved, ${count("privilege above approved role")} above their role, ${count("stale credential")} stale credentials, ${count("approved but gone")} approved but gone`,
    ...review.unreadable.map((u) => `not read: ${u}`),
  ].join("; ");
  return {
    status: worst(...statuses),
    summary,
    details: review,
    metrics: {
      accounts: people,
      notApproved: count("not approved"),
      aboveRole: count("privilege above approved role"),
      stale: count("stale credential"),
    },
  };
}

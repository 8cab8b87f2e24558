// Who can get in, per system, in one shape: the account, the names it is known by, the highest
// approved role its privileges amount to, and its credentials' problems. The monthly review
// (review.ts) compares these with the approved list of the stack file (`access.approved`).

export type System = "postgres" | "vercel" | "supabase" | "aws";
export const SYSTEMS: readonly System[] = ["postgres", "vercel", "supabase", "aws"];

/** Approved roles, least to most: what an account's privileges are compared with. */
export const ACCESS_ROLES = ["viewer", "developer", "admin", "owner"] as const;
export type AccessRole = (typeof ACCESS_ROLES)[number];
export const roleRank = (r: AccessRole): number => ACCESS_ROLES.indexOf(r);

export interface Account {
  system: System;
  /** The account's name in that system (role name, username, IAM user name). */
  name: string;
  /** Other names it matches in the approved list (e-mail, username). */
  aliases: string[];
  /** What its privileges amount to. */
  privilege: AccessRole;
  /** The system's own words for it, e.g. `SUPERUSER, BYPASSRLS, member of pg_write_all_data`. */
  grants: string[];
  /** A service account of the platform (Supabase's own roles): listed, never a finding. */
  service?: boolean;
  /** Credentials to rotate or protect, e.g. `access key AKIA… is 120 days old`. */
  stale: string[];
  /** Not seen logging in for a long time: a stale credential when the account is approved. */
  unseen?: string;
  /** Anything else worth keeping in the record (last seen, MFA, …). */
  info?: Record<string, unknown>;
}

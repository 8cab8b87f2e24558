// Names shared by the schema, the messages and the stack-file reader.

export const PROJECT = "elegance-ops";

/** A config field stored as a Pulumi secret (`pulumi config set --secret`). */
export interface SecretField {
  /** Config path inside the project namespace; `[]` stands for every element of a list. */
  path: string;
  /** A realistic value of the right form: shown in the `pulumi config set` hint, used as synth placeholder. */
  example: string;
  description: string;
  /** Left out of the stack file, the feature it enables is off (synth fills only required ones). */
  optional?: boolean;
  /** Required once this block of the stack file is there (synth fills it then), e.g. `vercel`. */
  requiredWith?: string;
}

export const SECRET_FIELDS: readonly SecretField[] = [
  {
    path: "database.url",
    example: "postgresql://postgres.abcdefghijklmnop:YOUR-DB-PASSWORD@db.abcdefghijklmnop.supabase.co:5432/postgres",
    description: "Connection string of the production Supabase database (Project Settings → Database).",
  },
  {
    path: "contacts[].email",
    example: "camille.martin@elegance-mobilite.fr",
    description: "E-mail address of an emergency contact, subscribed to the paging routes.",
  },
  {
    path: "contacts[].phone",
    example: "+33612345678",
    description: "Mobile phone of an emergency contact in E.164 form (spaces allowed), paged by SMS.",
  },
  {
    path: "paging.pagerdutyRoutingKey",
    example: "R0123456789abcdef0123456789abcde",
    description: "Integration key of a PagerDuty service (Events API v2); set it to forward every page to PagerDuty.",
    optional: true,
  },
  {
    path: "vercel.token",
    example: "AbCdEfGhIjKlMnOpQrStUvWx",
    description:
      "Vercel access token scoped to the app's team (Account Settings › Tokens); needed once the vercel block is set.",
    requiredWith: "vercel",
  },
  {
    path: "security.snykToken",
    example: "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    description:
      "Snyk API token (Account settings › Auth Token); set it to send the lock-files to Snyk's test API as well as npm and OSV.",
    optional: true,
  },
  {
    path: "security.github.token",
    example: "github_pat_0123456789abcdefABCDEF_0123456789abcdef",
    description:
      "GitHub token (fine-grained, Contents: read-only on the app's repository) for security.lockfile: github; a public repository needs none.",
    optional: true,
  },
  {
    path: "access.supabaseToken",
    example: "sbp_0123456789abcdef0123456789abcdef01234567",
    description:
      "Supabase personal access token (Account › Access Tokens) reading the organization's members for the monthly access review.",
    optional: true,
  },
];

/** `["contacts", 0, "phone"]` → `"contacts[].phone"`: the form used by SECRET_FIELDS. */
export function fieldPattern(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? "[]" : (i ? "." : "") + String(p))).join("");
}

/** `["contacts", 0, "phone"]` → `"contacts[0].phone"`: the form `pulumi config set --path` takes. */
export function configPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : (i ? "." : "") + String(p))).join("");
}

export function secretFieldAt(path: readonly PropertyKey[]): SecretField | undefined {
  const pattern = fieldPattern(path);
  return SECRET_FIELDS.find((f) => f.path === pattern);
}

/** True for `database`, `contacts`, `contacts[0]`: values that hold secrets and must not be echoed either. */
export function holdsSecret(path: readonly PropertyKey[]): boolean {
  const pattern = fieldPattern(path);
  return SECRET_FIELDS.some(
    (f) => pattern === "" || f.path.startsWith(pattern + ".") || f.path.startsWith(pattern + "["),
  );
}

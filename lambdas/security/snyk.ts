// Snyk, when `security.snykToken` is set: the lock-file to Snyk's test API (`POST /v1/test/npm`,
// package.json as the target and package-lock.json beside it, as `snyk test` sends them), its
// vulnerabilities in the shape of the others, merged with npm's and OSV's on GHSA/CVE ids.
import { firstFixed, severityOf, type Advisory } from "./advisories";
import type { JsonClient } from "./http";
import type { Lockfile } from "./lockfile";

export const DEFAULT_SNYK_URL = "https://api.snyk.io";

export interface SnykSource {
  token: () => Promise<string>;
  /** The organization the tests count against (absent: the token's default one). */
  org?: string;
  apiUrl?: string;
}

interface SnykVuln {
  id: string;
  title: string;
  url?: string;
  severity: string;
  packageName?: string;
  package?: string;
  version: string;
  semver?: { vulnerable?: string[] };
  fixedIn?: string[];
  identifiers?: { CVE?: string[]; GHSA?: string[] };
}

/** Snyk's findings for a package-lock.json; other lock-files are said to be skipped (undefined). */
export async function snykAdvisories(
  client: JsonClient,
  snyk: SnykSource,
  lock: Lockfile,
): Promise<Advisory[] | undefined> {
  if (lock.kind !== "npm" || !lock.text) return undefined;
  const url = new URL(`${(snyk.apiUrl ?? DEFAULT_SNYK_URL).replace(/\/+$/, "")}/v1/test/npm`);
  if (snyk.org) url.searchParams.set("org", snyk.org);
  // Snyk's target is a package.json: the direct dependencies the lock-file records for its root.
  const manifest = { name: "app", version: "0.0.0", dependencies: lock.direct };
  const answer = await client.request<{ issues?: { vulnerabilities?: SnykVuln[] } }>({
    source: "Snyk",
    url: url.toString(),
    method: "POST",
    headers: { authorization: `token ${await snyk.token()}` },
    body: {
      encoding: "plain",
      files: { target: { contents: JSON.stringify(manifest) }, additional: [{ contents: lock.text }] },
    },
  });
  const seen = new Set<string>();
  const out: Advisory[] = [];
  // Snyk lists a vulnerability once per path to it: one per package version here.
  for (const v of answer?.issues?.vulnerabilities ?? []) {
    const name = v.packageName ?? v.package ?? "";
    const key = `${v.id}#${name}@${v.version}`;
    if (!name || seen.has(key)) continue;
    seen.add(key);
    const range = v.semver?.vulnerable?.join(" || ");
    const ids = [...(v.identifiers?.GHSA ?? []), ...(v.identifiers?.CVE ?? []), v.id].map((id) => id.toUpperCase());
    out.push({
      ids,
      name,
      version: v.version,
      severity: severityOf(v.severity === "medium" ? "moderate" : v.severity),
      title: v.title,
      url: v.url ?? `https://security.snyk.io/vuln/${v.id}`,
      range,
      fixedIn: (range ? firstFixed(range, v.version) : undefined) ?? v.fixedIn?.[0],
      sources: ["snyk"],
    });
  }
  return out;
}

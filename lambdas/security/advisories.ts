// Advisories from the two public sources, in one shape: npm's bulk advisory endpoint (what
// `npm audit` reads: one POST for the whole lock-file) and OSV (one querybatch per 1,000
// packages, then the details of the ids npm did not already give).
import * as semver from "semver";
import type { JsonClient } from "./http";

/**
 * The registry when neither `--registry` nor NPM_REGISTRY_URL says: npm's own `registry` config
 * as `npm run` exports it (so a mirror set in .npmrc is the one scanned, as `npm audit` would),
 * else npm's documented public default (spelled in parts: no registry host literally in code).
 */
export function defaultRegistry(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_config_registry || env.NPM_CONFIG_REGISTRY || `https://${["registry", "npmjs", "org"].join(".")}`;
}
export const DEFAULT_OSV_URL = "https://api.osv.dev";

export type Severity = "critical" | "high" | "moderate" | "low";
export const SEVERITIES: readonly Severity[] = ["critical", "high", "moderate", "low"];

/** One advisory as it applies to one installed package version. */
export interface Advisory {
  /** Every id it is known by (GHSA first, CVE, npm's numeric id, OSV's own): merged on any shared one. */
  ids: string[];
  name: string;
  version: string;
  severity: Severity;
  title: string;
  url: string;
  /** The vulnerable range, npm's syntax. */
  range?: string;
  /** The first version out of the range above the installed one, when known. */
  fixedIn?: string;
  sources: ("npm" | "osv" | "snyk")[];
}

const base = (url: string) => url.replace(/\/+$/, "");
const GHSA = /GHSA(-[23456789cfghjmpqrvwx]{4}){3}/i;

/** npm advisory severities as they come (npm may say "info"), as ours. */
export function severityOf(text: string | undefined): Severity {
  const s = (text ?? "").toLowerCase();
  if (s === "critical" || s === "high" || s === "low") return s;
  return "moderate";
}

/**
 * The first version above `version` out of `range`: the upper bound of the comparator set the
 * version falls in (`<4.17.19` → 4.17.19). Undefined for `<=x` or open ranges (no fix yet).
 */
export function firstFixed(range: string, version: string): string | undefined {
  let parsed: semver.Range;
  try {
    parsed = new semver.Range(range, { loose: true });
  } catch {
    return undefined;
  }
  for (const set of parsed.set) {
    if (!set.every((c) => c.test(version))) continue;
    const upper = set.find((c) => c.operator === "<");
    return upper ? upper.semver.version : undefined;
  }
  return undefined;
}

interface NpmBulkAdvisory {
  id: number;
  url: string;
  title: string;
  severity: string;
  vulnerable_versions: string;
}

/** POST /-/npm/v1/security/advisories/bulk with `{name: [versions]}`; npm filters, semver re-checks each version. */
export async function npmAdvisories(
  client: JsonClient,
  registry: string,
  versions: Record<string, string[]>,
): Promise<Advisory[]> {
  const answer = await client.request<Record<string, NpmBulkAdvisory[]>>({
    source: "npm registry",
    url: `${base(registry)}/-/npm/v1/security/advisories/bulk`,
    method: "POST",
    body: versions,
  });
  const out: Advisory[] = [];
  for (const [name, advisories] of Object.entries(answer ?? {})) {
    for (const a of advisories ?? []) {
      for (const version of versions[name] ?? []) {
        if (!semver.satisfies(version, a.vulnerable_versions, { loose: true, includePrerelease: true })) continue;
        const ghsa = a.url?.match(GHSA)?.[0].toUpperCase();
        out.push({
          ids: [...(ghsa ? [ghsa] : []), `npm:${a.id}`],
          name,
          version,
          severity: severityOf(a.severity),
          title: a.title,
          url: a.url,
          range: a.vulnerable_versions,
          fixedIn: firstFixed(a.vulnerable_versions, version),
          sources: ["npm"],
        });
      }
    }
  }
  return out;
}

export interface OsvVuln {
  id: string;
  summary?: string;
  details?: string;
  aliases?: string[];
  database_specific?: { severity?: string };
  references?: { type: string; url: string }[];
  affected?: {
    package?: { ecosystem?: string; name?: string };
    ranges?: { type: string; events: Record<string, string>[] }[];
    versions?: string[];
  }[];
}

/** OSV's SEMVER/ECOSYSTEM events as an npm range: `>=introduced <fixed` per interval. */
export function osvRange(vuln: OsvVuln, name: string): string | undefined {
  const sets: string[] = [];
  for (const affected of vuln.affected ?? []) {
    if (affected.package?.name !== name) continue;
    for (const range of affected.ranges ?? []) {
      let introduced: string | undefined;
      for (const event of range.events) {
        if (event.introduced !== undefined) introduced = event.introduced === "0" ? "0.0.0-0" : event.introduced;
        else if (introduced !== undefined && (event.fixed || event.last_affected)) {
          sets.push(event.fixed ? `>=${introduced} <${event.fixed}` : `>=${introduced} <=${event.last_affected}`);
          introduced = undefined;
        }
      }
      if (introduced !== undefined) sets.push(`>=${introduced}`);
    }
    for (const v of affected.versions ?? []) if (!sets.length) sets.push(v);
  }
  return sets.length ? sets.join(" || ") : undefined;
}

/** Details of OSV ids by id, valid while OSV's `modified` of the id is unchanged (see ./osv-cache). */
export type OsvDetailCache = Map<string, { modified: string; vuln: OsvVuln }>;

export type OsvQuery = { package: { name: string; ecosystem: "npm" }; version: string; page_token?: string };
type OsvBatchAnswer = { results: { vulns?: { id: string; modified?: string }[]; next_page_token?: string }[] };
export const OSV_BATCH_LIMIT = 1000;

/** Every (package, version, id) OSV knows: 1,000 queries per batch, queries with more pages asked again with their token. */
async function osvHits(client: JsonClient, osvUrl: string, versions: Record<string, string[]>) {
  let pending: OsvQuery[] = Object.entries(versions).flatMap(([name, list]) =>
    list.map((version) => ({ package: { name, ecosystem: "npm" as const }, version })),
  );
  const hits: { name: string; version: string; id: string; modified?: string }[] = [];
  while (pending.length) {
    const next: OsvQuery[] = [];
    for (let i = 0; i < pending.length; i += OSV_BATCH_LIMIT) {
      const batch = pending.slice(i, i + OSV_BATCH_LIMIT);
      const answer = await client.request<OsvBatchAnswer>({
        source: "OSV",
        url: `${base(osvUrl)}/v1/querybatch`,
        method: "POST",
        body: { queries: batch },
      });
      (answer?.results ?? []).forEach((r, j) => {
        const q = batch[j];
        for (const v of r.vulns ?? []) hits.push({ name: q.package.name, version: q.version, ...v });
        if (r.next_page_token) next.push({ ...q, page_token: r.next_page_token });
      });
    }
    pending = next;
  }
  return hits;
}

/**
 * OSV's advisories: querybatch, then GET /v1/vulns/<id> only for ids npm did not describe
 * (`known`: OSV's npm ids are the GHSA ids of npm's advisory URLs) and not in `cache` at the
 * same `modified` (OSV has no batch detail endpoint: this keeps a weekly run at one or two requests).
 */
export async function osvAdvisories(
  client: JsonClient,
  osvUrl: string,
  versions: Record<string, string[]>,
  known: Set<string>,
  cache: OsvDetailCache = new Map(),
): Promise<Advisory[]> {
  const hits = await osvHits(client, osvUrl, versions);
  const details = new Map<string, OsvVuln>();
  for (const { id, modified } of new Map(hits.map((h) => [h.id, h])).values()) {
    const cached = cache.get(id);
    if (cached && modified && cached.modified === modified) {
      details.set(id, cached.vuln);
      continue;
    }
    if (known.has(id.toUpperCase())) continue;
    const vuln = await client.request<OsvVuln>({
      source: "OSV",
      url: `${base(osvUrl)}/v1/vulns/${encodeURIComponent(id)}`,
    });
    if (!vuln) continue;
    details.set(id, vuln);
    if (modified) cache.set(id, { modified, vuln });
  }
  return hits.map(({ name, version, id }) => {
    const vuln = details.get(id);
    if (!vuln)
      return {
        ids: [id.toUpperCase()],
        name,
        version,
        severity: "moderate" as const,
        title: id,
        url: `https://osv.dev/vulnerability/${id}`,
        sources: ["osv" as const],
      };
    const range = osvRange(vuln, name);
    const advisoryUrl =
      vuln.references?.find((r) => r.type === "ADVISORY")?.url ?? `https://osv.dev/vulnerability/${id}`;
    return {
      ids: [vuln.id, ...(vuln.aliases ?? [])].map((x) => x.toUpperCase()),
      name,
      version,
      severity: severityOf(vuln.database_specific?.severity),
      title: vuln.summary ?? vuln.details?.split("\n")[0] ?? id,
      url: advisoryUrl,
      range,
      fixedIn: range ? firstFixed(range, version) : undefined,
      sources: ["osv" as const],
    };
  });
}

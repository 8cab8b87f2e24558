// A fake npm registry on loopback: the bulk advisory endpoint `npm audit` posts to (answering,
// like the real one, only the advisories whose range holds one of the posted versions) and
// packuments (full, or abbreviated for `Accept: application/vnd.npm.install-v1+json`).
import type * as http from "node:http";
import * as semver from "semver";
import { startHttpServer, type TestServer } from "./http";

export interface FakeAdvisory {
  id: number;
  ghsa: string;
  title: string;
  severity: "critical" | "high" | "moderate" | "low";
  vulnerable_versions: string;
  cwe?: string[];
}

export interface FakeRegistry {
  url: string;
  advisories: Record<string, FakeAdvisory[]>;
  packuments: Record<string, { versions: Record<string, { deprecated?: string }>; latest: string }>;
  /** Answer `status` to the next `times` requests on paths matching. */
  fail(path: RegExp, status: number, times?: number): void;
  requests: TestServer["requests"];
  close(): Promise<void>;
}

const send = (res: http.ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

export async function startNpmRegistry(): Promise<FakeRegistry> {
  const failures: { path: RegExp; status: number; remaining: number }[] = [];
  const fake = {
    advisories: {},
    packuments: {},
    fail: (path: RegExp, status: number, times = Infinity) => void failures.push({ path, status, remaining: times }),
  } as unknown as FakeRegistry;
  const server = await startHttpServer((req, res, body) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const failure = failures.find((f) => f.remaining > 0 && f.path.test(url.pathname));
    if (failure) {
      failure.remaining--;
      return send(res, failure.status, { error: failure.status === 429 ? "Too Many Requests" : "Service Unavailable" });
    }
    if (url.pathname === "/-/npm/v1/security/advisories/bulk" && req.method === "POST") {
      let asked: Record<string, string[]>;
      try {
        asked = JSON.parse(body);
      } catch {
        return send(res, 400, { error: "Invalid JSON" });
      }
      const answer: Record<string, unknown[]> = {};
      for (const [name, versions] of Object.entries(asked)) {
        const hits = (fake.advisories[name] ?? []).filter((a) =>
          versions.some((v) => semver.satisfies(v, a.vulnerable_versions)),
        );
        if (hits.length)
          answer[name] = hits.map((a) => ({
            id: a.id,
            url: `https://github.com/advisories/${a.ghsa}`,
            title: a.title,
            severity: a.severity,
            vulnerable_versions: a.vulnerable_versions,
            cwe: a.cwe ?? [],
            cvss: { score: 0, vectorString: null },
          }));
      }
      return send(res, 200, answer);
    }
    if (req.method === "GET") {
      const name = decodeURIComponent(url.pathname.slice(1));
      const p = fake.packuments[name];
      if (!p) return send(res, 404, { error: "Not found" });
      const abbreviated = (req.headers.accept ?? "").includes("application/vnd.npm.install-v1+json");
      const versions = Object.fromEntries(
        Object.entries(p.versions).map(([v, meta]) => [
          v,
          {
            name,
            version: v,
            ...(meta.deprecated ? { deprecated: meta.deprecated } : {}),
            dist: { tarball: `${fake.url}/${name}/-/${name}-${v}.tgz` },
          },
        ]),
      );
      return send(
        res,
        200,
        abbreviated
          ? { name, "dist-tags": { latest: p.latest }, modified: "2026-01-01T00:00:00.000Z", versions }
          : { _id: name, name, "dist-tags": { latest: p.latest }, versions, time: {} },
      );
    }
    send(res, 404, { error: "Not found" });
  });
  fake.url = server.url;
  fake.requests = server.requests;
  fake.close = server.close;
  return fake;
}

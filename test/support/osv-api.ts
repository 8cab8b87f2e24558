// A fake OSV API on loopback: POST /v1/querybatch (ids only, as the real one answers) and
// GET /v1/vulns/<id> (the OSV schema: aliases, affected ranges as introduced/fixed events,
// database_specific.severity as GitHub's advisories carry it). Like the real one, a query with
// more ids than a page holds answers a `next_page_token`, asked again as the query's `page_token`.
import type * as http from "node:http";
import * as semver from "semver";
import { startHttpServer, type TestServer } from "./http";

export interface FakeVuln {
  id: string;
  aliases?: string[];
  summary: string;
  severity: "CRITICAL" | "HIGH" | "MODERATE" | "LOW";
  package: string;
  introduced: string;
  fixed?: string;
  /** OSV's last change of the record. @default "2026-01-01T00:00:00Z" */
  modified?: string;
}

export interface FakeOsv {
  url: string;
  vulns: FakeVuln[];
  /** Ids per query and page. @default Infinity */
  pageSize: number;
  fail(path: RegExp, status: number, times?: number): void;
  requests: TestServer["requests"];
  close(): Promise<void>;
}

const send = (res: http.ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

const affects = (v: FakeVuln, name: string, version: string) =>
  v.package === name &&
  semver.gte(version, v.introduced === "0" ? "0.0.0" : v.introduced) &&
  (!v.fixed || semver.lt(version, v.fixed));

export async function startOsv(): Promise<FakeOsv> {
  const failures: { path: RegExp; status: number; remaining: number }[] = [];
  const fake = {
    vulns: [],
    pageSize: Infinity,
    fail: (path: RegExp, status: number, times = Infinity) => void failures.push({ path, status, remaining: times }),
  } as unknown as FakeOsv;
  const server = await startHttpServer((req, res, body) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const failure = failures.find((f) => f.remaining > 0 && f.path.test(url.pathname));
    if (failure) {
      failure.remaining--;
      return send(res, failure.status, { code: failure.status === 429 ? 8 : 14, message: "unavailable" });
    }
    if (url.pathname === "/v1/querybatch" && req.method === "POST") {
      const { queries } = JSON.parse(body) as {
        queries: { package: { name: string; ecosystem: string }; version: string; page_token?: string }[];
      };
      if (queries.length > 1000) return send(res, 400, { code: 3, message: "Too many queries." });
      const results = queries.map((q) => {
        const all = fake.vulns
          .filter((v) => q.package.ecosystem === "npm" && affects(v, q.package.name, q.version))
          .map((v) => ({ id: v.id, modified: v.modified ?? "2026-01-01T00:00:00Z" }));
        const from = Number(q.page_token ?? 0);
        const vulns = all.slice(from, from + fake.pageSize);
        const more = from + fake.pageSize < all.length ? { next_page_token: String(from + fake.pageSize) } : {};
        return vulns.length ? { vulns, ...more } : {};
      });
      return send(res, 200, { results });
    }
    const m = url.pathname.match(/^\/v1\/vulns\/(.+)$/);
    if (m && req.method === "GET") {
      const v = fake.vulns.find((x) => x.id === decodeURIComponent(m[1]));
      if (!v) return send(res, 404, { code: 5, message: "Bug not found." });
      return send(res, 200, {
        id: v.id,
        summary: v.summary,
        aliases: v.aliases ?? [],
        modified: v.modified ?? "2026-01-01T00:00:00Z",
        affected: [
          {
            package: { ecosystem: "npm", name: v.package },
            ranges: [
              { type: "SEMVER", events: [{ introduced: v.introduced }, ...(v.fixed ? [{ fixed: v.fixed }] : [])] },
            ],
          },
        ],
        references: [{ type: "ADVISORY", url: `https://nvd.nist.gov/vuln/detail/${v.aliases?.[0] ?? v.id}` }],
        database_specific: { severity: v.severity },
      });
    }
    send(res, 404, { code: 5, message: "Not found" });
  });
  fake.url = server.url;
  fake.requests = server.requests;
  fake.close = server.close;
  return fake;
}

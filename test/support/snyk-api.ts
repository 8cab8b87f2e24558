// A fake of Snyk's test API on loopback: POST /v1/test/npm with `Authorization: token <token>`
// (401 otherwise), the body `snyk test` sends (package.json as `files.target`, package-lock.json
// in `files.additional`), answering `issues.vulnerabilities` for the locked versions in a
// vulnerable range, once per path as Snyk lists them.
import * as semver from "semver";
import { startHttpServer, type TestServer } from "./http";

export interface FakeSnykVuln {
  id: string;
  title: string;
  severity: "critical" | "high" | "medium" | "low";
  packageName: string;
  vulnerable: string;
  cve?: string[];
  ghsa?: string[];
}

export interface FakeSnyk {
  url: string;
  vulns: FakeSnykVuln[];
  requests: TestServer["requests"];
  close(): Promise<void>;
}

export async function startSnykApi(options: { token: string }): Promise<FakeSnyk> {
  const fake = { vulns: [] } as unknown as FakeSnyk;
  const server = await startHttpServer((req, res, body) => {
    const send = (status: number, data: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(data));
    if (req.headers.authorization !== `token ${options.token}`)
      return send(401, { code: 401, message: "Invalid auth token provided", error: "Unauthorized" });
    if (new URL(req.url ?? "/", "http://localhost").pathname !== "/v1/test/npm" || req.method !== "POST")
      return send(404, { message: "Not found" });
    const { files } = JSON.parse(body) as {
      files: { target: { contents: string }; additional?: { contents: string }[] };
    };
    JSON.parse(files.target.contents);
    const lock = JSON.parse(files.additional?.[0]?.contents ?? "{}") as {
      packages?: Record<string, { version?: string }>;
    };
    const vulnerabilities = [];
    for (const [path, entry] of Object.entries(lock.packages ?? {})) {
      const name = path.split("node_modules/").pop()!;
      for (const v of fake.vulns) {
        if (v.packageName !== name || !entry.version || !semver.satisfies(entry.version, v.vulnerable)) continue;
        const vuln = {
          id: v.id,
          title: v.title,
          url: `https://security.snyk.io/vuln/${v.id}`,
          severity: v.severity,
          packageName: name,
          version: entry.version,
          semver: { vulnerable: [v.vulnerable] },
          identifiers: { CVE: v.cve ?? [], CWE: [], GHSA: v.ghsa ?? [] },
          from: ["app@0.0.0", `${name}@${entry.version}`],
        };
        // Snyk repeats a vulnerability per path to it.
        vulnerabilities.push(vuln, { ...vuln, from: ["app@0.0.0", "other@1.0.0", `${name}@${entry.version}`] });
      }
    }
    send(200, { ok: vulnerabilities.length === 0, issues: { vulnerabilities, licenses: [] }, packageManager: "npm" });
  });
  fake.url = server.url;
  fake.requests = server.requests;
  fake.close = server.close;
  return fake;
}

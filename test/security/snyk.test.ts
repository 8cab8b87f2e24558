// Optional Snyk in `ops security audit`: with a token the lock-file also goes to Snyk's test API
// (a fake on loopback) and its findings merge with npm's and OSV's on GHSA/CVE ids; without
// one Snyk is never called.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ops } from "../cli/support";
import { startNpmRegistry, type FakeRegistry } from "../support/npm-registry";
import { startOsv, type FakeOsv } from "../support/osv-api";
import { startSnykApi, type FakeSnyk } from "../support/snyk-api";
import { APP_LOCK, auditArgs, NPM_ADVISORIES, OSV_VULNS } from "./fixtures";

const TOKEN = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

describe("ops security audit with Snyk", () => {
  let registry: FakeRegistry;
  let osv: FakeOsv;
  let snyk: FakeSnyk;
  const dir = mkdtempSync(path.join(tmpdir(), "security-snyk-"));
  const lockPath = path.join(dir, "package-lock.json");
  const stackFile = path.join(dir, "Pulumi.test.yaml");
  writeFileSync(lockPath, JSON.stringify(APP_LOCK));
  writeFileSync(stackFile, readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8"));

  beforeAll(async () => {
    [registry, osv, snyk] = await Promise.all([startNpmRegistry(), startOsv(), startSnykApi({ token: TOKEN })]);
    registry.advisories = NPM_ADVISORIES;
    osv.vulns = OSV_VULNS;
    snyk.vulns = [
      // npm's and OSV's lodash advisory, under Snyk's id: one finding.
      {
        id: "SNYK-JS-LODASH-590103",
        title: "Prototype Pollution",
        severity: "high",
        packageName: "lodash",
        vulnerable: "<4.17.19",
        cve: ["CVE-2020-8203"],
        ghsa: ["GHSA-p6mc-m468-83gw"],
      },
      // Only Snyk knows this one here, by CVE.
      {
        id: "SNYK-JS-EXPRESS-6474509",
        title: "Open Redirect",
        severity: "medium",
        packageName: "express",
        vulnerable: "<4.19.2",
        cve: ["CVE-2024-29041"],
      },
    ];
  });
  afterAll(async () => Promise.all([registry?.close(), osv?.close(), snyk?.close()]));
  beforeEach(() => {
    snyk.requests.length = 0;
  });

  const audit = (env: NodeJS.ProcessEnv) =>
    ops([...auditArgs({ lockPath, registry: registry.url, osv: osv.url, stackFile }), "--json"], env);

  it("merges Snyk's findings with npm's and OSV's, one per advisory, in one request", async () => {
    const { stdout, stderr } = await audit({ SNYK_TOKEN: TOKEN, SNYK_API_URL: snyk.url });
    expect(stderr).toBe("");
    const result = JSON.parse(stdout);
    const report = result.details.reports[0];
    expect(report.sources).toEqual({ npm: "ok", osv: "ok", snyk: "ok" });
    expect(snyk.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /v1/test/npm"]);
    const sent = JSON.parse(snyk.requests[0].body);
    expect(JSON.parse(sent.files.additional[0].contents)).toEqual(APP_LOCK);
    expect(JSON.parse(sent.files.target.contents).dependencies).toEqual(APP_LOCK.packages[""].dependencies);
    const by = (name: string) => report.findings.filter((f: { package: string }) => f.package === name);
    expect(by("lodash")).toHaveLength(1);
    expect(by("lodash")[0].sources).toEqual(["npm", "osv", "snyk"]);
    expect(by("lodash")[0].ids).toEqual(
      expect.arrayContaining(["GHSA-P6MC-M468-83GW", "CVE-2020-8203", "SNYK-JS-LODASH-590103"]),
    );
    expect(by("express")).toEqual([
      expect.objectContaining({
        version: "4.17.1",
        severity: "moderate",
        direct: true,
        fixedIn: "4.19.2",
        sources: ["snyk"],
        url: "https://security.snyk.io/vuln/SNYK-JS-EXPRESS-6474509",
      }),
    ]);
    expect(result.details.requests).toMatchObject({ Snyk: 1 });
  });

  it("never calls Snyk without a token", async () => {
    const { stdout } = await audit({ SNYK_API_URL: snyk.url });
    expect(JSON.parse(stdout).details.reports[0].sources).toEqual({ npm: "ok", osv: "ok" });
    expect(snyk.requests).toEqual([]);
  });

  it("reports a token Snyk refuses as the source unavailable, naming Snyk", async () => {
    const { stdout } = await audit({ SNYK_TOKEN: "11111111-2222-3333-4444-555555555555", SNYK_API_URL: snyk.url });
    const result = JSON.parse(stdout);
    expect(result.details.reports[0].sources.snyk).toMatch(/^unavailable: Snyk: POST \/v1\/test\/npm: HTTP 401 /);
    expect(result.summary).toMatch(/^source unavailable: snyk; /);
  });
});

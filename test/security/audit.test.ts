// `ops security audit` against a fake npm registry and a fake OSV on loopback, and the scan's
// parts: lock-file origins, merging across sources, the ignore list, unavailable sources.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ops } from "../cli/support";
import { startNpmRegistry, type FakeRegistry } from "../support/npm-registry";
import { startOsv, type FakeOsv } from "../support/osv-api";
import { runScan, scanResult } from "../../lambdas/security/scan";
import { parseLockfile } from "../../lambdas/security/lockfile";
import { APP_LOCK, auditArgs, NPM_ADVISORIES, OSV_VULNS, YARN_LOCK } from "./fixtures";

describe("ops security audit", () => {
  let registry: FakeRegistry;
  let osv: FakeOsv;
  const dir = mkdtempSync(path.join(tmpdir(), "security-audit-"));
  const lockPath = path.join(dir, "package-lock.json");
  const stackFile = path.join(dir, "Pulumi.test.yaml");
  writeFileSync(lockPath, JSON.stringify(APP_LOCK));
  // The prod stack file, and a security block appended to it when a test wants one.
  const PROD = readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8");

  beforeAll(async () => {
    registry = await startNpmRegistry();
    osv = await startOsv();
  });
  afterAll(async () => {
    await registry?.close();
    await osv?.close();
  });
  beforeEach(() => {
    registry.advisories = NPM_ADVISORIES;
    osv.vulns = OSV_VULNS;
    registry.requests.length = 0;
    osv.requests.length = 0;
    writeFileSync(stackFile, PROD);
  });

  const audit = (...args: string[]) =>
    ops([...auditArgs({ lockPath, registry: registry.url, osv: osv.url, stackFile }), ...args], {});

  it("reports direct and transitive vulnerabilities with their origin, fix and sources, one per advisory", async () => {
    const { code, stdout, stderr } = await audit("--json");
    expect(stderr).toBe("");
    expect(code).toBe(1);
    const result = JSON.parse(stdout);
    expect(result.status).toBe("fail");
    const findings = result.details.reports[0].findings;
    const by = (name: string) => findings.filter((f: { package: string }) => f.package === name);
    // lodash: one finding though both sources have it (OSV's details are not fetched for an id npm described).
    expect(by("lodash")).toHaveLength(1);
    expect(by("lodash")[0]).toMatchObject({
      version: "4.17.15",
      severity: "high",
      direct: true,
      via: ["lodash"],
      fixedIn: "4.17.19",
      disposition: "warn",
      sources: ["npm", "osv"],
    });
    expect(by("lodash")[0].ids).toEqual(["GHSA-P6MC-M468-83GW", "npm:1106913"]);
    expect(by("lodash")[0].fix).toBe("npm audit fix (or: npm install lodash@4.17.19)");
    // qs: transitive, through express (and body-parser, itself through express).
    expect(by("qs")[0]).toMatchObject({
      severity: "critical",
      direct: false,
      via: ["express"],
      fixedIn: "6.7.3",
      disposition: "fail",
    });
    expect(by("qs")[0].fix).toContain("bump express");
    expect(by("minimist")[0]).toMatchObject({ via: ["mkdirp"], severity: "critical" });
    // OSV-only, with its details fetched.
    expect(by("node-fetch")[0]).toMatchObject({
      severity: "high",
      sources: ["osv"],
      fixedIn: "2.6.7",
      title: "node-fetch forwards secure headers to untrusted sites",
    });
    expect(by("express")).toHaveLength(0);
    expect(result.summary).toBe("2 critical, 2 high, 0 moderate, 0 low in " + `${lockPath} (7 packages)`);
    // Batched: one bulk POST, one querybatch, one detail (the GHSA npm already described is not fetched).
    expect(registry.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /-/npm/v1/security/advisories/bulk"]);
    expect(osv.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /v1/querybatch",
      "GET /v1/vulns/GHSA-r683-j2x4-v87g",
    ]);
  });

  it("honours the ignore list until its expiry, and the levels of the stack file", async () => {
    writeFileSync(
      stackFile,
      [
        PROD,
        "  elegance-ops:security:",
        "    levels:",
        "      high: report",
        "    ignore:",
        "      - id: GHSA-hrpp-h998-j3pp",
        "        reason: qs only parses our own signed query strings",
        "        expires: 2099-12-31",
        "      - id: CVE-2022-0235",
        "        reason: node-fetch never follows redirects in the app",
        "        expires: 2020-01-01",
      ].join("\n"),
    );
    const { code, stdout } = await audit();
    expect(code).toBe(1);
    expect(stdout).toContain(
      "qs@6.7.0 (via express) GHSA-HRPP-H998-J3PP [ignored until 2099-12-31: qs only parses our own signed query strings]",
    );
    expect(stdout).toContain("node-fetch@2.6.0 (direct) GHSA-R683-J2X4-V87G [ignore expired 2020-01-01]");
    // minimist is still critical and not ignored: fail.
    expect(stdout).toContain(
      "security audit: fail: 1 critical, 2 high, 0 moderate, 0 low, 1 ignored, 1 whose ignore expired",
    );
  });

  it("retries a 429 and a 503, then reads the sources", async () => {
    registry.fail(/advisories\/bulk/, 429, 1);
    osv.fail(/querybatch/, 503, 2);
    const { code, stdout } = await audit("--json");
    expect(code).toBe(1);
    expect(JSON.parse(stdout).details.reports[0].sources).toEqual({ npm: "ok", osv: "ok" });
    expect(registry.requests).toHaveLength(2);
  });

  it("reports a source that stays down as `source unavailable`, never as no vulnerabilities", async () => {
    registry.advisories = {};
    osv.vulns = [];
    osv.fail(/querybatch/, 503);
    const { code, stdout } = await audit("--json");
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.status).toBe("warn");
    expect(result.summary).toMatch(/^source unavailable: osv; 0 critical, .* \(incomplete\)$/);
    expect(result.details.sourcesDown[0]).toContain("POST /v1/querybatch: HTTP 503");
    expect(result.details.sourcesDown[0]).toContain("after 4 attempts");
  });

  it("says which file is malformed", async () => {
    const bad = path.join(dir, "broken-lock.json");
    writeFileSync(bad, '{"lockfileVersion": 3, "packages": {');
    const { code, stderr } = await ops(
      [
        "security",
        "audit",
        "--lockfile",
        bad,
        "--registry",
        registry.url,
        "--osv-url",
        osv.url,
        "--stack-file",
        stackFile,
      ],
      {},
    );
    expect(code).toBe(1);
    expect(stderr).toContain(`ops: ${bad}: not valid JSON`);
    const v1 = path.join(dir, "old", "package-lock.json");
    require("node:fs").mkdirSync(path.dirname(v1));
    writeFileSync(v1, '{"lockfileVersion": 1, "dependencies": {}}');
    const old = await ops(["security", "audit", "--lockfile", v1, "--stack-file", stackFile], {});
    expect(old.stderr).toContain(
      `ops: ${v1}: no "packages" map (lockfileVersion 1); regenerate it with npm 7 or later`,
    );
  });
});

describe("lock-files", () => {
  it("reads pnpm-lock.yaml (v9) and yarn.lock (v1) with direct and transitive origins", () => {
    const pnpm = parseLockfile(
      "pnpm-lock.yaml",
      [
        "lockfileVersion: '9.0'",
        "importers:",
        "  .:",
        "    dependencies:",
        "      express:",
        "        specifier: 4.17.1",
        "        version: 4.17.1",
        "packages:",
        "  express@4.17.1: {}",
        "  qs@6.7.0: {}",
        "snapshots:",
        "  express@4.17.1:",
        "    dependencies:",
        "      qs: 6.7.0",
        "  qs@6.7.0: {}",
      ].join("\n"),
    );
    expect(pnpm.packages.find((p) => p.name === "qs")).toMatchObject({
      version: "6.7.0",
      direct: false,
      via: ["express"],
    });
    const yarn = parseLockfile("yarn.lock", YARN_LOCK, { dependencies: { express: "4.17.1" } });
    expect(yarn.packages.find((p) => p.name === "qs")).toMatchObject({ direct: false, via: ["express"] });
    expect(() => parseLockfile("yarn.lock", "__metadata:\n  version: 6\n")).toThrow(
      "yarn.lock: a Yarn 2+ (berry) lock-file",
    );
  });

  it("audits the stack's own lock-file, embedded, when no file is given and no Vercel is configured", async () => {
    const registry = await startNpmRegistry();
    const osv = await startOsv();
    try {
      const scan = await runScan(
        { levels: {}, ignore: [], access: {}, registryUrl: registry.url, osvUrl: osv.url },
        "2026-12-01",
      );
      expect(scan.reports.map((r) => r.origin)).toEqual(["stack: elegance-ops (embedded at deploy time)"]);
      expect(scan.reports[0].lockfile.packages).toBeGreaterThan(500);
      expect(scan.unreadable[0]).toContain("no Vercel token/project configured");
      expect(scanResult(scan).status).toBe("warn");
      expect(scan.requests).toEqual({ "npm registry": 1, OSV: 1 });
    } finally {
      await registry.close();
      await osv.close();
    }
  });
});

// How few requests OSV costs: querybatch pages and its 1,000-query limit, details skipped for ids
// npm described, and the detail cache kept in the logs bucket (the S3-protocol server) between runs.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { osvAdvisories } from "../../lambdas/security/advisories";
import { JsonClient } from "../../lambdas/security/http";
import { OSV_CACHE_KEY } from "../../lambdas/security/osv-cache";
import { runScan } from "../../lambdas/security/scan";
import { startNpmRegistry, type FakeRegistry } from "../support/npm-registry";
import { startOsv, type FakeOsv } from "../support/osv-api";
import { startS3, type TestS3 } from "../support/s3";
import { ops } from "../cli/support";
import { PROD_STACK_FILE } from "../support/pulumi";
import { APP_LOCK, auditArgs, NPM_ADVISORIES, OSV_VULNS } from "./fixtures";

describe("OSV requests", () => {
  let registry: FakeRegistry;
  let osv: FakeOsv;
  let s3: TestS3;
  const lockPath = path.join(mkdtempSync(path.join(tmpdir(), "osv-requests-")), "package-lock.json");
  writeFileSync(lockPath, JSON.stringify(APP_LOCK));

  beforeAll(async () => {
    [registry, osv, s3] = await Promise.all([startNpmRegistry(), startOsv(), startS3()]);
    await s3.createBucket("logs");
  });
  afterAll(async () => {
    await Promise.all([registry?.close(), osv?.close(), s3?.stop()]);
  });
  beforeEach(() => {
    registry.advisories = NPM_ADVISORIES;
    osv.vulns = OSV_VULNS.map((v) => ({ ...v }));
    osv.pageSize = Infinity;
    registry.requests.length = 0;
    osv.requests.length = 0;
  });

  const inputs = () => ({
    levels: {},
    ignore: [],
    access: {},
    registryUrl: registry.url,
    osvUrl: osv.url,
    lockfilePath: lockPath,
  });
  const paths = () => osv.requests.map((r) => `${r.method} ${r.url}`);

  it("fetches only the details npm did not give, once across runs, again when OSV changed the advisory", async () => {
    const store = { s3: () => s3.client, bucket: "logs" };
    const first = await runScan(inputs(), "2026-12-01", {}, store);
    // lodash's GHSA came from npm: only node-fetch's details are fetched.
    expect(paths()).toEqual(["POST /v1/querybatch", "GET /v1/vulns/GHSA-r683-j2x4-v87g"]);
    expect(first.osvCache).toEqual({ reused: 0, fetched: 1, problems: [] });
    const stored = await s3.client.send(new GetObjectCommand({ Bucket: "logs", Key: OSV_CACHE_KEY }));
    expect(Object.keys(JSON.parse(await stored.Body!.transformToString()))).toEqual(["GHSA-r683-j2x4-v87g"]);

    osv.requests.length = 0;
    const second = await runScan(inputs(), "2026-12-08", {}, store);
    expect(paths()).toEqual(["POST /v1/querybatch"]);
    expect(second.osvCache).toEqual({ reused: 1, fetched: 0, problems: [] });
    const nodeFetch = second.reports[0].findings.find((f) => f.package === "node-fetch");
    expect(nodeFetch).toMatchObject({
      severity: "high",
      fixedIn: "2.6.7",
      ids: ["GHSA-R683-J2X4-V87G", "CVE-2022-0235"],
    });
    expect(second.requests).toEqual({ "npm registry": 1, OSV: 1 });

    osv.requests.length = 0;
    osv.vulns[1] = { ...osv.vulns[1], severity: "CRITICAL", modified: "2026-12-10T00:00:00Z" };
    const third = await runScan(inputs(), "2026-12-15", {}, store);
    expect(paths()).toEqual(["POST /v1/querybatch", "GET /v1/vulns/GHSA-r683-j2x4-v87g"]);
    expect(third.reports[0].findings.find((f) => f.package === "node-fetch")?.severity).toBe("critical");
  });

  it("a cache that cannot be read is said, and the scan fetches the details", async () => {
    const scan = await runScan(inputs(), "2026-12-01", {}, { s3: () => s3.client, bucket: "no-such-bucket" });
    expect(paths()).toEqual(["POST /v1/querybatch", "GET /v1/vulns/GHSA-r683-j2x4-v87g"]);
    expect(scan.osvCache?.problems[0]).toMatch(
      /^s3:\/\/no-such-bucket\/security\/osv-cache\/details\.json not read: NoSuchBucket/,
    );
    expect(scan.osvCache?.problems[1]).toMatch(
      /^s3:\/\/no-such-bucket\/security\/osv-cache\/details\.json not written/,
    );
  });

  it("asks a query's next pages with its token, and splits more than 1,000 queries into batches", async () => {
    osv.pageSize = 1;
    osv.vulns.push({
      id: "GHSA-2222-3333-4444",
      summary: "second on lodash",
      severity: "LOW",
      package: "lodash",
      introduced: "0",
    });
    const versions: Record<string, string[]> = { lodash: ["4.17.15"] };
    for (let i = 0; i < 1200; i++) versions[`pkg-${i}`] = ["1.0.0"];
    const advisories = await osvAdvisories(new JsonClient(), osv.url, versions, new Set(["GHSA-P6MC-M468-83GW"]));
    expect(paths()).toEqual([
      "POST /v1/querybatch",
      "POST /v1/querybatch",
      "POST /v1/querybatch",
      "GET /v1/vulns/GHSA-2222-3333-4444",
    ]);
    const sizes = osv.requests.slice(0, 3).map((r) => JSON.parse(r.body).queries.length);
    expect(sizes).toEqual([1000, 201, 1]);
    expect(JSON.parse(osv.requests[2].body).queries[0]).toMatchObject({ package: { name: "lodash" }, page_token: "1" });
    expect(advisories.map((a) => a.ids[0]).sort()).toEqual(["GHSA-2222-3333-4444", "GHSA-P6MC-M468-83GW"]);
  });

  it("ops security audit uses the same cache with --logs-bucket, and says once when it fetched uncached", async () => {
    await s3.createBucket("cli-logs");
    const args = auditArgs({ lockPath, registry: registry.url, osv: osv.url, stackFile: PROD_STACK_FILE });
    const audit = (...more: string[]) => ops([...args, ...more], s3.env);
    const first = await audit("--logs-bucket", "cli-logs");
    expect(first.stderr).toBe("");
    expect(first.stdout).toContain(`OSV details: 0 reused from s3://cli-logs/${OSV_CACHE_KEY}, 1 fetched`);
    osv.requests.length = 0;
    // LOGS_BUCKET as the other commands take it, with --json: the same line in the result.
    const second = await ops([...args, "--json"], { ...s3.env, LOGS_BUCKET: "cli-logs" });
    expect(JSON.parse(second.stdout).osvCache).toBe(
      `OSV details: 1 reused from s3://cli-logs/${OSV_CACHE_KEY}, 0 fetched`,
    );
    expect(paths()).toEqual(["POST /v1/querybatch"]);
    osv.requests.length = 0;
    const uncached = await audit();
    expect(uncached.stdout.match(/uncached/g)).toEqual(["uncached"]);
    expect(uncached.stdout).toContain("OSV details fetched uncached (no --logs-bucket or LOGS_BUCKET");
    expect(paths()).toEqual(["POST /v1/querybatch", "GET /v1/vulns/GHSA-r683-j2x4-v87g"]);
  });
});

// `ops deps check` and `ops security audit` reading the app's lock-file from its production
// deployment on a fake Vercel API, against a fake npm registry and OSV on loopback.
import { ops } from "../cli/support";
import { startNpmRegistry, type FakeRegistry } from "../support/npm-registry";
import { startOsv, type FakeOsv } from "../support/osv-api";
import { startVercelApi, type FakeVercel } from "../support/vercel-api";
import { behind } from "../../lambdas/deps/outdated";
import { nodeStatus } from "../../lambdas/deps/node-schedule";
import { APP_LOCK, NPM_ADVISORIES, OSV_VULNS } from "./fixtures";

const TOKEN = "vcp_security-token-7f3a91";
const TEAM = "team_elegance";

describe("the app's lock-file from Vercel", () => {
  let vercel: FakeVercel;
  let registry: FakeRegistry;
  let osv: FakeOsv;
  beforeAll(async () => {
    [vercel, registry, osv] = await Promise.all([
      startVercelApi({ token: TOKEN, teamId: TEAM }),
      startNpmRegistry(),
      startOsv(),
    ]);
    const t = Date.UTC(2026, 10, 1);
    vercel.deployments = [
      {
        uid: "dpl_old",
        url: "elegance-old.vercel.app",
        created: t,
        readyState: "READY",
        target: "production",
        meta: {},
      },
      {
        uid: "dpl_live",
        url: "elegance-live.vercel.app",
        created: t + 3_600_000,
        readyState: "READY",
        target: "production",
        meta: {},
      },
      {
        uid: "dpl_preview",
        url: "elegance-preview.vercel.app",
        created: t + 7_200_000,
        readyState: "READY",
        target: null,
        meta: {},
      },
    ];
    vercel.files.set("dpl_live", {
      "package.json": JSON.stringify({ name: "elegance-mobilite", dependencies: APP_LOCK.packages[""].dependencies }),
      "package-lock.json": JSON.stringify(APP_LOCK),
    });
    vercel.files.set("dpl_old", { "package-lock.json": "{}" });
    vercel.project.nodeVersion = "20.x";
    registry.advisories = NPM_ADVISORIES;
    osv.vulns = OSV_VULNS;
    registry.packuments = {
      lodash: { latest: "4.17.21", versions: { "4.17.15": {}, "4.17.21": {} } },
      express: { latest: "5.1.0", versions: { "4.17.1": {}, "5.1.0": {} } },
      mkdirp: {
        latest: "3.0.1",
        versions: {
          "0.5.5": { deprecated: "Legacy versions of mkdirp are no longer supported. Please update to mkdirp 1.x." },
          "3.0.1": {},
        },
      },
      "node-fetch": { latest: "2.6.0", versions: { "2.6.0": {} } },
    };
  });
  afterAll(async () => Promise.all([vercel?.close(), registry?.close(), osv?.close()]));
  beforeEach(() => {
    vercel.reset();
    registry.requests.length = 0;
  });

  const env = () => ({
    VERCEL_TOKEN: TOKEN,
    VERCEL_TEAM_ID: TEAM,
    VERCEL_PROJECT_ID: "prj_elegance",
    VERCEL_API_URL: vercel.url,
    NPM_REGISTRY_URL: registry.url,
    OSV_API_URL: osv.url,
  });

  it("ops security audit scans the current production deployment's package-lock.json and the stack's own", async () => {
    const { code, stdout } = await ops(["security", "audit", "--json", "--retry-base-ms", "10"], env());
    expect(code).toBe(1);
    const result = JSON.parse(stdout);
    expect(result.details.reports.map((r: { origin: string }) => r.origin)).toEqual([
      "app: production deployment dpl_live (elegance-live.vercel.app)",
      "stack: elegance-ops (embedded at deploy time)",
    ]);
    expect(result.details.reports[0].lockfile).toEqual({
      file: "package-lock.json of deployment dpl_live",
      kind: "npm",
      packages: 7,
      direct: 4,
    });
    const paths = vercel.log.map((r) => r.path);
    expect(paths.slice(0, 2)).toEqual(["/v6/deployments", "/v6/deployments/dpl_live/files"]);
    expect(vercel.log[0].query.get("target")).toBe("production");
    expect(vercel.log[0].query.get("state")).toBe("READY");
    // The token never reaches a third party.
    expect(JSON.stringify(registry.requests)).not.toContain(TOKEN);
  });

  it("ops deps check: behind the latest, deprecated versions, the commands to run, Node.js of Vercel and of the functions", async () => {
    const { code, stdout } = await ops(
      ["deps", "check", "--retry-base-ms", "10", "--lockfile", "/nonexistent/package-lock.json"],
      env(),
    );
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const app = await ops(["deps", "check", "--json", "--retry-base-ms", "10"], env());
    const result = JSON.parse(app.stdout);
    const deps = result.details.lockfiles[0].dependencies;
    expect(deps).toEqual(
      expect.arrayContaining([
        {
          name: "lodash",
          installed: "4.17.15",
          wanted: "^4.17.0",
          latest: "4.17.21",
          behind: "patch",
          command: "npm update lodash",
        },
        {
          name: "express",
          installed: "4.17.1",
          wanted: "4.17.1",
          latest: "5.1.0",
          behind: "major",
          command: "npm install express@5.1.0",
        },
        expect.objectContaining({
          name: "mkdirp",
          behind: "major",
          deprecated: expect.stringContaining("no longer supported"),
          command: "npm install mkdirp@3.0.1",
        }),
        { name: "node-fetch", installed: "2.6.0", wanted: "^2.6.0", latest: "2.6.0", behind: "up to date" },
      ]),
    );
    // One abbreviated packument per direct dependency of the app.
    const accepts = registry.requests.filter((r) => r.url === "/lodash").map((r) => r.headers.accept);
    expect(accepts[0]).toContain("application/vnd.npm.install-v1+json");
    expect(result.details.node).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          where: "Vercel project elegance-mobilite",
          version: "20.x",
          phase: "end of life",
          end: "2026-04-30",
        }),
      ]),
    );
    expect(result.status).toBe("fail");
    expect(result.summary).toContain("Vercel project elegance-mobilite on Node 20: end of life since 2026-04-30");
    expect(result.summary).toContain("deprecated: mkdirp@0.5.5");
  });
});

describe("versions and the Node.js schedule", () => {
  it("says how far behind", () => {
    expect(behind("1.2.3", "1.2.4")).toBe("patch");
    expect(behind("1.2.3", "1.3.0")).toBe("minor");
    expect(behind("1.2.3", "2.0.0")).toBe("major");
    expect(behind("2.0.0", "1.9.0")).toBe("ahead");
    expect(behind("1.2.3", undefined)).toBe("unknown");
  });
  it("places a major in its phase on a day", () => {
    expect(nodeStatus(24, "2026-12-02")).toMatchObject({ phase: "maintenance LTS", end: "2028-04-30", activeLts: 26 });
    expect(nodeStatus(22, "2025-06-01")).toMatchObject({ phase: "active LTS", activeLts: 22 });
    expect(nodeStatus(25, "2026-01-10")).toMatchObject({ phase: "current" });
    expect(nodeStatus(18, "2026-01-10")).toMatchObject({ phase: "end of life" });
    expect(nodeStatus(12, "2026-01-10").phase).toBe("unknown");
  });
});

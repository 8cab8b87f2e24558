// The app's lock-file from its GitHub repository (`security.lockfile: github`) through a fake of
// GitHub's contents API on loopback: found and scanned, a 404 and a 401 said by repository, branch,
// path and config key; the config keys' messages; the token never in the settings variable.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { inputsFromEnv } from "../../lambdas/core/inputs";
import { githubLockfile } from "../../lambdas/security/github";
import { JsonClient } from "../../lambdas/security/http";
import { runScan, scanResult } from "../../lambdas/security/scan";
import { parseStackConfig } from "../../infra/config";
import { settingVariables } from "../../infra/config/settings";
import { startGithubApi, type FakeGithub } from "../support/github-api";
import { startNpmRegistry, type FakeRegistry } from "../support/npm-registry";
import { startOsv, type FakeOsv } from "../support/osv-api";
import { ops } from "../cli/support";
import { problemsOf, prodRawConfig, PROD_STACK_FILE } from "../support/pulumi";
import { APP_LOCK, NPM_ADVISORIES, OSV_VULNS, YARN_LOCK } from "./fixtures";

const TOKEN = "github_pat_" + "A1b2".repeat(10);
const REPO = "elegance-mobilite/app";

describe("security.lockfile: github", () => {
  let github: FakeGithub;
  let registry: FakeRegistry;
  let osv: FakeOsv;
  beforeAll(async () => {
    [github, registry, osv] = await Promise.all([startGithubApi({ token: TOKEN }), startNpmRegistry(), startOsv()]);
    registry.advisories = NPM_ADVISORIES;
    osv.vulns = OSV_VULNS;
    github.repos[REPO] = {
      private: true,
      branches: {
        main: { "README.md": "# app" },
        release: { "package.json": "{}", "package-lock.json": JSON.stringify(APP_LOCK), "src/index.ts": "" },
      },
    };
  });
  afterAll(async () => {
    await Promise.all([github?.close(), registry?.close(), osv?.close()]);
  });
  beforeEach(() => {
    github.requests.length = 0;
    github.rawMediaType = true;
  });

  /** The inputs a Lambda builds from its variables, the token read through `readSecret`. */
  const inputs = (github_: Record<string, string>, env: Record<string, string> = {}) =>
    inputsFromEnv(
      {
        SECURITY_SETTINGS: JSON.stringify({ lockfile: "github", github: { repository: REPO, ...github_ } }),
        GITHUB_API_URL: github.url,
        NPM_REGISTRY_URL: registry.url,
        OSV_API_URL: osv.url,
        ...env,
      },
      async (arn) => (arn === "arn:aws:secretsmanager:eu-west-3:1:secret:github" ? TOKEN : "not-the-token"),
    ).security;
  const withToken = { GITHUB_TOKEN_SECRET_ARN: "arn:aws:secretsmanager:eu-west-3:1:secret:github" };

  it("finds the lock-file at the root of the branch and scans it, its token read from its secret", async () => {
    const scan = await runScan(inputs({ branch: "release" }, withToken), "2026-12-01", { retryBaseMs: 5 });
    expect(scan.unreadable).toEqual([]);
    expect(scan.reports.map((r) => r.origin)).toEqual([
      "app: GitHub elegance-mobilite/app@release package-lock.json",
      "stack: elegance-ops (embedded at deploy time)",
    ]);
    const app = scan.reports[0];
    expect(app.lockfile).toMatchObject({ file: "elegance-mobilite/app@release/package-lock.json", kind: "npm" });
    expect(app.findings.find((f) => f.package === "qs")).toMatchObject({ direct: false, via: ["express"] });
    // One listing of the root, one raw read; counted with the scan's requests.
    expect(github.requests.map((r) => r.url)).toEqual([
      "/repos/elegance-mobilite/app/contents/?ref=release",
      "/repos/elegance-mobilite/app/contents/package-lock.json?ref=release",
    ]);
    expect(github.requests[1].headers).toMatchObject({
      accept: "application/vnd.github.raw+json",
      authorization: `Bearer ${TOKEN}`,
      "x-github-api-version": "2022-11-28",
    });
    expect(scan.requests.GitHub).toBe(2);
  });

  it("reads a configured path in base64 when the raw form is not given, with package.json beside a yarn.lock", async () => {
    github.rawMediaType = false;
    github.repos[REPO].branches.release["apps/web/yarn.lock"] = YARN_LOCK;
    github.repos[REPO].branches.release["apps/web/package.json"] = JSON.stringify({
      dependencies: { express: "4.17.1" },
    });
    const found = await githubLockfile(new JsonClient(), {
      repository: REPO,
      branch: "release",
      path: "apps/web/yarn.lock",
      token: async () => TOKEN,
      apiUrl: github.url,
    });
    expect(found.origin).toBe("app: GitHub elegance-mobilite/app@release apps/web/yarn.lock");
    expect(found.lock.kind).toBe("yarn");
    expect(found.lock.warnings).toEqual([]);
    expect(found.lock.packages.find((p) => p.name === "qs")).toMatchObject({ direct: false, via: ["express"] });
  });

  it("a 404 is a warn naming the repository, the branch and the path", async () => {
    const scan = await runScan(
      inputs({ branch: "main", path: "apps/web/package-lock.json" }, withToken),
      "2026-12-01",
      { retryBaseMs: 5 },
    );
    expect(scan.unreadable).toEqual([
      "app lock-file: GitHub elegance-mobilite/app: no apps/web/package-lock.json on branch main (HTTP 404: the repository, the branch or the file does not exist or the token cannot see it)",
    ]);
    expect(scan.reports.map((r) => r.origin)).toEqual(["stack: elegance-ops (embedded at deploy time)"]);
    expect(scanResult(scan).status).toBe("warn");
    // An unknown branch, and a private repository read without a token.
    const branch = await runScan(inputs({ branch: "nope" }, withToken), "2026-12-01");
    expect(branch.unreadable[0]).toContain("no root directory on branch nope (HTTP 404");
    const anonymous = await runScan(inputs({ branch: "release" }), "2026-12-01");
    expect(anonymous.unreadable[0]).toContain("a private repository needs security.github.token");
    expect(github.requests.some((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it("a 401 names the token's config key", async () => {
    const scan = await runScan(
      inputs({ branch: "release" }, { GITHUB_TOKEN_SECRET_ARN: "arn:aws:secretsmanager:eu-west-3:1:secret:old" }),
      "2026-12-01",
    );
    expect(scan.unreadable).toEqual([
      "app lock-file: GitHub elegance-mobilite/app (branch release): HTTP 401 Bad credentials: security.github.token is invalid or expired; set a new token",
    ]);
    expect(scanResult(scan).summary).toContain("not scanned: 1 lock-file(s)");
    // Not retried: a refused token does not get better.
    expect(github.requests).toHaveLength(1);
  });

  it("a 403 names the token's key and the rate limit, a 503 is retried", async () => {
    github.fail(/contents\/$/, 403, 1);
    const forbidden = await runScan(inputs({ branch: "release" }, withToken), "2026-12-01");
    expect(forbidden.unreadable[0]).toMatch(
      /^app lock-file: GitHub elegance-mobilite\/app \(branch release\): HTTP 403 for \/: security\.github\.token lacks read access .*rate limit/,
    );
    github.requests.length = 0;
    github.fail(/package-lock\.json$/, 503, 1);
    const retried = await runScan(inputs({ branch: "release" }, withToken), "2026-12-01", { retryBaseMs: 5 });
    expect(retried.unreadable).toEqual([]);
    expect(github.requests).toHaveLength(3);
  });

  it("ops security audit reads the stack file's repository with GITHUB_TOKEN", async () => {
    const stackFile = path.join(mkdtempSync(path.join(tmpdir(), "github-")), "Pulumi.test.yaml");
    writeFileSync(
      stackFile,
      [
        readFileSync(PROD_STACK_FILE, "utf8"),
        "  elegance-ops:security:",
        "    lockfile: github",
        "    github: { repository: elegance-mobilite/app, branch: release }",
      ].join("\n"),
    );
    const args = ["security", "audit", "--registry", registry.url, "--osv-url", osv.url, "--stack-file", stackFile];
    const { code, stdout } = await ops([...args, "--json"], { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url });
    expect(code).toBe(1);
    const result = JSON.parse(stdout);
    expect(result.details.reports[0].origin).toBe("app: GitHub elegance-mobilite/app@release package-lock.json");
    expect(result.details.unreadable).toEqual([]);
    expect(result.details.requests.GitHub).toBe(2);
  });

  it("is not read unless security.lockfile is github", () => {
    const env = { SECURITY_SETTINGS: JSON.stringify({ github: { repository: REPO } }), GITHUB_TOKEN: TOKEN };
    expect(inputsFromEnv(env).security?.github).toBeUndefined();
  });
});

describe("security.lockfile and security.github config", () => {
  const withSecurity = (security: unknown) => {
    const raw = prodRawConfig();
    raw["elegance-ops:security"] = JSON.stringify(security);
    return raw;
  };
  const problems = (security: unknown) => problemsOf(withSecurity(security)).join("\n");

  it("names the key at fault", () => {
    expect(problems({ lockfile: "github" })).toMatch(
      /elegance-ops:security\.github\.repository: is missing: security\.lockfile is github; set {2}pulumi config set --path 'security\.github\.repository' owner\/repo/,
    );
    expect(problems({ lockfile: "gitlab" })).toMatch(/elegance-ops:security\.lockfile: .*vercel .* or github/);
    expect(problems({ github: { repository: REPO } })).toMatch(
      /elegance-ops:security\.lockfile: is not set \(vercel\) but security\.github is set/,
    );
    const bad = problems({ lockfile: "github", github: { repository: "app", branch: "a..b", token: "hunter2-token" } });
    expect(bad).toMatch(/elegance-ops:security\.github\.repository: .*owner\/repo, e\.g\. elegance-mobilite\/app/);
    expect(bad).toMatch(/elegance-ops:security\.github\.branch: .*a branch name/);
    expect(bad).toMatch(/elegance-ops:security\.github\.token: .*a GitHub token: github_pat_/);
    // A secret's value is never repeated in a message.
    expect(bad).not.toContain("hunter2");
  });

  it("keeps the token out of the settings variable the functions and the CLI read", () => {
    const config = parseStackConfig(
      withSecurity({ lockfile: "github", github: { repository: REPO, branch: "release", token: TOKEN } }),
    );
    const settings = JSON.parse(settingVariables(config).security.SECURITY_SETTINGS);
    expect(settings).toMatchObject({ lockfile: "github", github: { repository: REPO, branch: "release" } });
    expect(JSON.stringify(settings)).not.toContain("github_pat_");
  });
});

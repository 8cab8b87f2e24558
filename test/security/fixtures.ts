// A small app lock-file (package-lock v3) with known-vulnerable versions, direct and
// transitive, and the advisories the fake npm registry and OSV hold about them.
import type { FakeAdvisory } from "../support/npm-registry";
import type { FakeVuln } from "../support/osv-api";

export const APP_LOCK = {
  name: "elegance-mobilite",
  version: "1.0.0",
  lockfileVersion: 3,
  requires: true,
  packages: {
    "": {
      name: "elegance-mobilite",
      version: "1.0.0",
      dependencies: { lodash: "^4.17.0", express: "4.17.1", mkdirp: "^0.5.5", "node-fetch": "^2.6.0" },
    },
    "node_modules/lodash": { version: "4.17.15" },
    "node_modules/express": { version: "4.17.1", dependencies: { qs: "6.7.0", "body-parser": "1.19.0" } },
    "node_modules/body-parser": { version: "1.19.0", dependencies: { qs: "6.7.0" } },
    "node_modules/qs": { version: "6.7.0" },
    "node_modules/mkdirp": { version: "0.5.5", dependencies: { minimist: "^1.2.5" } },
    "node_modules/minimist": { version: "1.2.5" },
    "node_modules/node-fetch": { version: "2.6.0" },
  },
};

/** The same app's express and qs as a yarn.lock v1 (its package.json declares express only). */
export const YARN_LOCK = [
  "# yarn lockfile v1",
  "",
  "express@4.17.1:",
  '  version "4.17.1"',
  "  dependencies:",
  '    qs "6.7.0"',
  "",
  "qs@6.7.0:",
  '  version "6.7.0"',
  "",
].join("\n");

export const NPM_ADVISORIES: Record<string, FakeAdvisory[]> = {
  lodash: [
    {
      id: 1106913,
      ghsa: "GHSA-p6mc-m468-83gw",
      title: "Prototype Pollution in lodash",
      severity: "high",
      vulnerable_versions: ">=3.7.0 <4.17.19",
    },
  ],
  qs: [
    {
      id: 1104002,
      ghsa: "GHSA-hrpp-h998-j3pp",
      title: "qs vulnerable to Prototype Pollution",
      severity: "critical",
      vulnerable_versions: ">=6.7.0 <6.7.3",
    },
  ],
  minimist: [
    {
      id: 1097678,
      ghsa: "GHSA-xvch-5gv4-984h",
      title: "Prototype Pollution in minimist",
      severity: "critical",
      vulnerable_versions: ">=1.0.0 <1.2.6",
    },
  ],
  // Not installed at a vulnerable version: must not be reported.
  express: [
    {
      id: 1096820,
      ghsa: "GHSA-rv95-896h-c2vc",
      title: "Express.js Open Redirect",
      severity: "moderate",
      vulnerable_versions: "<4.17.0",
    },
  ],
};

export const OSV_VULNS: FakeVuln[] = [
  // The same advisory as npm's lodash one, under its GHSA id with a CVE alias: counted once.
  {
    id: "GHSA-p6mc-m468-83gw",
    aliases: ["CVE-2020-8203"],
    summary: "Prototype Pollution in lodash",
    severity: "HIGH",
    package: "lodash",
    introduced: "3.7.0",
    fixed: "4.17.19",
  },
  // Only OSV knows this one (npm's advisory feed lacks it here).
  {
    id: "GHSA-r683-j2x4-v87g",
    aliases: ["CVE-2022-0235"],
    summary: "node-fetch forwards secure headers to untrusted sites",
    severity: "HIGH",
    package: "node-fetch",
    introduced: "0",
    fixed: "2.6.7",
  },
];

/** `ops security audit` on a local lock-file against the fakes, retried quickly. */
export const auditArgs = (o: { lockPath: string; registry: string; osv: string; stackFile: string }): string[] => [
  "security",
  "audit",
  "--lockfile",
  o.lockPath,
  "--registry",
  o.registry,
  "--osv-url",
  o.osv,
  "--retry-base-ms",
  "10",
  "--stack-file",
  o.stackFile,
];

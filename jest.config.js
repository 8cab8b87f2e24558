/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type errors are caught once by `tsc --noEmit` in `npm test`; with isolatedModules
  // (tsconfig.json) ts-jest only transpiles, which keeps @pulumi/aws from slowing every file.
  transform: { "^.+\\.ts$": "ts-jest" },
  testTimeout: 60_000,
  // Most files wait on PostgreSQL, S3 or a child process rather than a core: three workers on a
  // 2-core machine overlap those waits (jest's default there is one worker, cores - 1).
  maxWorkers: 3,
  // One throwaway PostgreSQL for the whole run; each test file copies its template (test/support/db.ts).
  // Files marked `// @slow` first, also on a fresh clone where jest has no durations to go by.
  testSequencer: "<rootDir>/test/support/sequencer.js",
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
};

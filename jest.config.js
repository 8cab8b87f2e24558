/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type errors are caught once by `tsc --noEmit` in `npm test`; with isolatedModules
  // (tsconfig.json) ts-jest only transpiles, which keeps @pulumi/aws from slowing every file.
  transform: { "^.+\\.ts$": "ts-jest" },
  testTimeout: 60_000,
  // One throwaway PostgreSQL for the whole run; each test file copies its template (test/support/db.ts).
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
};

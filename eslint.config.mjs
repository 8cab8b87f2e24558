// ESLint: the recommended sets, plus the few type-aware rules that catch real bugs in
// Lambdas and a Pulumi program (promises nobody waits for, Outputs in template strings).
// Formatting is Prettier's job and unused names tsc's (noUnusedLocals/Parameters).
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", ".build/", "coverage/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": "off",
      // strict tsc rejects implicit any; an explicit one (Pulumi mocks, commander options) is a choice.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
    },
  },
  {
    // The Lambdas' code keeps real types end to end.
    files: ["lambdas/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "error" },
  },
  {
    // Loading a module on demand (a bench by name, the Pulumi program inside jest.isolateModules).
    files: ["bench/**/*.ts", "test/**/*.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Loaded on demand with a typed `require`: each catalogue entry's check (lambdas/checklist/catalog.ts),
    // each CLI command's work (bin/ops/*.ts), so infra/ and `ops --help` load no task code.
    files: ["lambdas/checklist/catalog*.ts", "bin/ops/*.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["infra/**/*.ts"],
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
    },
  },
  {
    // The CommonJS config files at the root, outside tsconfig.json.
    files: ["**/*.{js,cjs}"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { module: "writable", require: "readonly", __dirname: "readonly", process: "readonly" },
    },
    // CommonJS loads its modules with require (jest's test sequencer).
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);

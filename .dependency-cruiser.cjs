// Import-graph rules checked by `npm run lint` (depcruise). Type-only imports count as
// dependencies except where a rule says otherwise: a folder cycle is a design cycle even
// when the compiler erases it.

// What the Pulumi program may read from lambdas/: plain data and its types, nothing that runs.
const INFRA_DATA =
  "^lambdas/(core/contract|core/inputs|core/needs|core/[^/]*thresholds[^/]*|checklist/catalog[^/]*)\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-lambdas-folder-cycle",
      comment: "Folders under lambdas/ form layers: two of them must not import each other, even through others.",
      severity: "error",
      scope: "folder",
      from: { path: "^lambdas/" },
      to: { path: "^lambdas/", circular: true },
    },
    {
      name: "no-circular",
      comment: "A run-time module cycle makes load order matter; type-only cycles are erased and allowed.",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "lambdas-leaves-stay-leaves",
      comment: "lambdas/core and lambdas/lib are shared by every Lambda: they import no other lambdas/ folder.",
      severity: "error",
      from: { path: "^lambdas/(core|lib)/" },
      to: { path: "^lambdas/", pathNot: "^lambdas/(core|lib)/" },
    },
    {
      name: "infra-reads-only-lambda-data",
      comment:
        "infra/ takes from lambdas/ only the contract, the catalog, the thresholds and inputs, so that the " +
        "Pulumi program loads no Lambda code.",
      severity: "error",
      from: { path: "^infra/" },
      to: { path: "^lambdas/", pathNot: INFRA_DATA, dependencyTypesNot: ["type-only"] },
    },
    {
      name: "lambda-data-stays-data",
      comment:
        "The files infra/ may read import, at run time, nothing else from lambdas/ (types are erased). The " +
        "catalogue's entries load their check's code with a `require` inside a function, called only when a " +
        "list runs (ESLint allows `require` in those files only).",
      severity: "error",
      from: { path: INFRA_DATA },
      to: { path: "^lambdas/", pathNot: INFRA_DATA, dependencyTypesNot: ["type-only", "type-import", "require"] },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that resolves to nothing is a typo or a missing dependency.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist|\\.build|coverage)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

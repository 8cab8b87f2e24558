// Monthly "Mise à jour des dépendances" (npm update, npm audit fix, nvm install lts/*): what is
// behind, deprecated or near its end of life, and what to run (lambdas/deps/).
import type { Check } from "../core/check";
import { depsResult, runDeps } from "../deps/check";

export const depsCheck: Check = {
  id: "deps-check",
  title: "Mise à jour des dépendances : versions en retard, dépréciées, Node.js en fin de support",
  timeoutMs: 120_000,
  async run({ inputs, now, signal }) {
    return depsResult(await runDeps(inputs.security, now.toISOString().slice(0, 10), inputs.executionEnv, { signal }));
  },
};

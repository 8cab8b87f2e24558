// `ops deps check`: the monthly "Mise à jour des dépendances" by hand. Only the command's shape
// is here; ./deps-run loads when it runs.
import { Command } from "commander";
import { withSources } from "./security";

const work = (): typeof import("./deps-run") => require("./deps-run");

export function depsCommand(): Command {
  const check = withSources(
    new Command("check").description(
      "direct dependencies behind the registry's latest, deprecated versions, Node.js end of life (the monthly deps-check); changes nothing",
    ),
    false,
  );
  check.action((options: Record<string, unknown>) => work().depsCheckRun(options));
  return new Command("deps").description("the guide's monthly dependency updates").addCommand(check);
}

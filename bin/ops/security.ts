// `ops security audit`: the weekly "Scan de sécurité" by hand, on the app's and the stack's
// lock-files or a local one. Only the command's shape is here; ./security-run loads when it runs.
import { Command, Option } from "commander";
import { positiveInt, withInputs, type CliInput } from "./inputs";

const work = (): typeof import("./security-run") => require("./security-run");

/** The options the security commands share: the lock-file, the sources, the app on Vercel (and `extra` inputs). */
export function withSources(command: Command, osv = true, extra: readonly CliInput[] = []): Command {
  command.option(
    "--lockfile <path>",
    "a package-lock.json, pnpm-lock.yaml or yarn.lock to scan (default: the app's production deployment on Vercel and the stack's own)",
  );
  command.option(
    "--registry <url>",
    "npm registry or mirror (default: npm's own `registry` config, npm_config_registry, else npm's public registry) [env: NPM_REGISTRY_URL]",
  );
  if (osv) command.option("--osv-url <url>", "OSV API (default https://api.osv.dev) [env: OSV_API_URL]");
  return (
    withInputs(command, ["vercelToken", "vercelTeam", "vercelProject", "vercelApiUrl", ...extra])
      // Tests retry a loopback fake quickly; the real sources are retried after 0.5, 1, 2 s.
      .addOption(new Option("--retry-base-ms <ms>").argParser(positiveInt("--retry-base-ms")).default(500).hideHelp())
  );
}

export function securityCommand(): Command {
  const audit = withSources(
    new Command("audit").description(
      "check every package of a lock-file against npm's advisories and OSV (the weekly security-audit check); with --logs-bucket, OSV's details are cached there as the weekly function does",
    ),
    true,
    // The logs bucket holds OSV's detail cache (security/osv-cache/), shared with the weekly function.
    ["logsBucket"],
  );
  audit.action((options: Record<string, unknown>) => work().securityAuditRun(options));
  return new Command("security").description("the guide's security lines: vulnerability scan").addCommand(audit);
}

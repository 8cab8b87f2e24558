// What `pulumi up` needs on the deploying machine beyond Node and the Pulumi CLI: a Docker
// daemon with buildx, for the backup image (@pulumi/docker-build builds it even on preview).
// Checked at program start, so a machine without them stops with what to do, not mid-deploy.
import { execFileSync } from "node:child_process";

type Run = (command: string, args: string[]) => string;

const run: Run = (command, args) =>
  execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 15_000 });

/** What is missing, or undefined when Docker and buildx answer. */
export function dockerProblem(exec: Run = run): string | undefined {
  const why = (error: unknown) =>
    ((error as { stderr?: string }).stderr || (error as Error).message).trim().split("\n")[0];
  try {
    exec("docker", ["version", "--format", "{{.Server.Version}}"]);
  } catch (error) {
    return (
      `Docker is needed to build the backup image (images/backup/Dockerfile) and did not answer: ${why(error)}. ` +
      "Install Docker (Docker Desktop, or Docker Engine with the buildx plugin), start the daemon, check `docker version`, then run pulumi again."
    );
  }
  try {
    exec("docker", ["buildx", "version"]);
  } catch (error) {
    return `Docker's buildx plugin is needed to build the backup image: ${why(error)}. Install docker-buildx-plugin (or Docker Desktop), check \`docker buildx version\`, then run pulumi again.`;
  }
  return undefined;
}

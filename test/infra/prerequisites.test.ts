// Issue 19: a machine without Docker failed mid-deploy, when the backup image was built. The
// check runs the real `docker` found on PATH: none, one whose daemon is down, one without buildx.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { dockerProblem } from "../../infra/prerequisites";

/** A PATH holding only a `docker` script with this body (or no docker at all). */
function pathWith(script?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "elegance-docker-"));
  if (script) {
    writeFileSync(path.join(dir, "docker"), `#!/bin/sh\n${script}\n`);
    chmodSync(path.join(dir, "docker"), 0o755);
  }
  return dir;
}

const withPath = (dir: string) => (command: string, args: string[]) =>
  execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { PATH: dir } });

describe("dockerProblem", () => {
  it("no docker on PATH: says Docker is needed for the backup image and what to do", () => {
    expect(dockerProblem(withPath(pathWith()))).toMatch(
      /^Docker is needed to build the backup image \(images\/backup\/Dockerfile\) and did not answer: .*ENOENT.*start the daemon, check `docker version`/,
    );
  });

  it("a daemon that is down: quotes docker's own first line", () => {
    const dir = pathWith(
      'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1',
    );
    expect(dockerProblem(withPath(dir))).toContain("did not answer: Cannot connect to the Docker daemon");
  });

  it("no buildx: names the plugin", () => {
    const dir = pathWith(
      'if [ "$1" = buildx ]; then echo "docker: \'buildx\' is not a docker command." >&2; exit 1; fi; echo 27.3.1',
    );
    expect(dockerProblem(withPath(dir))).toMatch(/^Docker's buildx plugin is needed.*'buildx' is not a docker command/);
  });

  it("docker and buildx answering: no problem", () => {
    expect(dockerProblem(withPath(pathWith("echo ok")))).toBeUndefined();
  });
});

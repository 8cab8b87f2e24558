// Where the lock-files come from: the app's current production deployment on Vercel (its
// source files through the REST API), a file given to the CLI, and the stack's own
// package-lock.json, embedded in the bundle when it is built (deploy time).
import { readFile } from "node:fs/promises";
import type { SecurityInputs } from "../core/inputs";
import { VercelApi, VercelApiError } from "../vercel/api";
import { githubLockfile } from "./github";
import { JsonClient, type HttpOptions } from "./http";
import { LOCKFILE_NAMES, LockfileError, parseLockfile, type Lockfile } from "./lockfile";

interface FileTreeEntry {
  name: string;
  type: string;
  uid?: string;
  children?: FileTreeEntry[];
}

/** Lock-files in the order they are preferred when an app has more than one. */
const PREFERRED = Object.keys(LOCKFILE_NAMES);

export interface DeploymentLockfile {
  deployment: { id: string; url: string; created: number };
  lock: Lockfile;
}

/** A file's content: Vercel answers `{"data": "<base64>"}`. */
async function fileText(
  api: VercelApi,
  deploymentId: string,
  fileId: string,
  path: string,
): Promise<string | undefined> {
  try {
    const answer = await api.get<{ data?: string } | string>(
      `/v8/deployments/${deploymentId}/files/${encodeURIComponent(fileId)}`,
      { path },
    );
    if (typeof answer === "string") return answer;
    return answer.data !== undefined ? Buffer.from(answer.data, "base64").toString("utf8") : JSON.stringify(answer);
  } catch (error) {
    if (error instanceof VercelApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** The lock-file of the project's current READY production deployment. */
export async function deploymentLockfile(api: VercelApi, projectId: string): Promise<DeploymentLockfile> {
  const { deployments } = await api.get<{ deployments: { uid: string; url: string; created: number }[] }>(
    "/v6/deployments",
    {
      projectId,
      target: "production",
      state: "READY",
      limit: 1,
    },
  );
  const current = deployments[0];
  if (!current) throw new Error(`Vercel project ${projectId}: no READY production deployment`);
  const tree = await api.get<FileTreeEntry[]>(`/v6/deployments/${current.uid}/files`);
  // Uploaded files sit under `src/` in the tree of a CLI deployment, at the root of a Git one.
  const roots = [tree, tree.find((e) => e.name === "src" && e.type === "directory")?.children ?? []];
  const at = (name: string) => roots.map((r) => r.find((e) => e.name === name && e.type === "file")).find(Boolean);
  const deployment = { id: current.uid, url: current.url, created: current.created };
  const manifestEntry = at("package.json");
  const manifestText = manifestEntry?.uid
    ? await fileText(api, current.uid, manifestEntry.uid, "package.json")
    : undefined;
  for (const name of PREFERRED) {
    const entry = at(name);
    // A Git deployment's tree may not list the sources: ask for the path.
    const text = entry?.uid
      ? await fileText(api, current.uid, entry.uid, name)
      : tree.length
        ? undefined
        : await fileText(api, current.uid, name, name);
    if (text === undefined) continue;
    let manifest: Record<string, Record<string, string>> | undefined;
    try {
      manifest = manifestText ? JSON.parse(manifestText) : undefined;
    } catch {
      manifest = undefined;
    }
    return { deployment, lock: parseLockfile(`${name} of deployment ${current.uid}`, text, manifest) };
  }
  throw new LockfileError(
    `deployment ${current.uid} (${current.url})`,
    `no ${PREFERRED.join(", ")} among its source files`,
  );
}

let stackLock: Lockfile | undefined;

/**
 * The stack's own package-lock.json: esbuild inlines the JSON into the bundle, so it is the one
 * deployed. Required here, on first use, and parsed once: a function that runs no security check
 * never evaluates it.
 */
export function stackLockfile(): Lockfile {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  stackLock ??= parseLockfile("elegance-ops package-lock.json", JSON.stringify(require("../../package-lock.json")));
  return stackLock;
}

/** The Vercel API of the security inputs (the scan and the dependency review read the same project). */
export async function vercelApiOf(v: NonNullable<SecurityInputs["vercel"]>, http: HttpOptions): Promise<VercelApi> {
  return new VercelApi({
    token: await v.token(),
    team: v.team,
    baseUrl: v.apiUrl,
    timeoutMs: http.timeoutMs,
    retryBaseMs: http.retryBaseMs,
  });
}

async function localLockfile(path: string): Promise<Lockfile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new LockfileError(
      path,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let manifest: Record<string, Record<string, string>> | undefined;
  if (/yarn\.lock$/.test(path))
    manifest = await readFile(path.replace(/yarn\.lock$/, "package.json"), "utf8").then(JSON.parse, () => undefined);
  return parseLockfile(path, text, manifest);
}

/**
 * The lock-files the scan and the dependency review read: the given file only, else the app's
 * (its GitHub repository when `security.lockfile` is github, else its production deployment when
 * Vercel is set) and the stack's. What cannot be read goes to `unreadable`.
 */
export async function lockfiles(
  inputs: SecurityInputs | undefined,
  unreadable: string[],
  http: HttpOptions,
  client = new JsonClient(http),
): Promise<{ origin: string; lock: Lockfile }[]> {
  if (inputs?.lockfilePath) return [{ origin: "local file", lock: await localLockfile(inputs.lockfilePath) }];
  const out: { origin: string; lock: Lockfile }[] = [];
  if (inputs?.github) {
    try {
      out.push(await githubLockfile(client, inputs.github));
    } catch (error) {
      unreadable.push(`app lock-file: ${(error as Error).message}`);
    }
  } else if (inputs?.vercel) {
    try {
      const { deployment, lock } = await deploymentLockfile(
        await vercelApiOf(inputs.vercel, http),
        inputs.vercel.project,
      );
      out.push({ origin: `app: production deployment ${deployment.id} (${deployment.url})`, lock });
    } catch (error) {
      unreadable.push(`app lock-file: ${(error as Error).message}`);
    }
  } else
    unreadable.push(
      "app lock-file: no Vercel token/project configured (security reads the production deployment's lock-file)",
    );
  out.push({ origin: "stack: elegance-ops (embedded at deploy time)", lock: stackLockfile() });
  return out;
}

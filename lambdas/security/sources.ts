// Where the lock-files come from: the app's current production deployment on Vercel (its
// source files through the REST API), a file given to the CLI, and the stack's own
// package-lock.json, embedded in the bundle when it is built (deploy time).
import type { VercelApi } from "../vercel/api";
import { VercelApiError } from "../vercel/api";
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

/** The stack's own package-lock.json: esbuild inlines the JSON into the bundle, so it is the one deployed. */
export function stackLockfile(): Lockfile {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const data: unknown = require("../../package-lock.json");
  return parseLockfile("elegance-ops package-lock.json", JSON.stringify(data));
}

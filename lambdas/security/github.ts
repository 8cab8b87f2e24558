// The app's lock-file from its GitHub repository (stack config `security.lockfile: github`), an
// alternative to the Vercel production deployment's files: GitHub's contents API on the configured
// branch, the file asked raw (the JSON form carries base64 `content` up to 1 MB only; both are read).
import type { GithubSource } from "../core/inputs";
import { SourceUnavailableError, type JsonClient } from "./http";
import { LOCKFILE_NAMES, parseLockfile, type Lockfile } from "./lockfile";

export const DEFAULT_GITHUB_API_URL = "https://api.github.com";
/** The config key of the token, named when GitHub refuses it. */
export const GITHUB_TOKEN_KEY = "security.github.token";

interface ContentEntry {
  type: string;
  name: string;
  path: string;
  encoding?: string;
  content?: string;
}

const dirname = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");

/** Reads one path of the repository: raw text for a file, the entries for a directory; undefined on 404. */
async function contents(
  client: JsonClient,
  source: GithubSource,
  token: string | undefined,
  path: string,
  raw: boolean,
): Promise<string | ContentEntry[] | undefined> {
  const base = (source.apiUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, "");
  const url = new URL(
    `${base}/repos/${source.repository}/contents/${path.split("/").map(encodeURIComponent).join("/")}`,
  );
  if (source.branch) url.searchParams.set("ref", source.branch);
  const where = `GitHub ${source.repository} (branch ${source.branch ?? "default"})`;
  let answer: unknown;
  try {
    answer = await client.request<unknown>({
      source: "GitHub",
      url: url.toString(),
      raw,
      allow: [404],
      headers: {
        accept: raw ? "application/vnd.github.raw+json" : "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": "elegance-ops",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
  } catch (error) {
    if (!(error instanceof SourceUnavailableError)) throw error;
    const refused: Record<number, string> = {
      401: `HTTP 401 Bad credentials: ${GITHUB_TOKEN_KEY} is invalid or expired; set a new token`,
      403: `HTTP 403 for ${path || "/"}: ${GITHUB_TOKEN_KEY} lacks read access to the repository's contents, or the API rate limit is reached (${error.message})`,
    };
    if (error.status && refused[error.status]) throw new Error(`${where}: ${refused[error.status]}`, { cause: error });
    throw error;
  }
  if (answer === undefined) return undefined;
  if (typeof answer === "string" && raw) {
    // A server that ignores the raw media type answers the JSON form: the file in base64.
    const entry = answer.trimStart().startsWith("{") ? (JSON.parse(answer) as Partial<ContentEntry>) : undefined;
    if (entry?.type === "file" && entry.encoding === "base64" && typeof entry.content === "string")
      return Buffer.from(entry.content, "base64").toString("utf8");
    return answer;
  }
  return Array.isArray(answer) ? (answer as ContentEntry[]) : [];
}

/** Where a 404 leaves the operator: the repository, branch and path said, and the token when there is none. */
function notFound(source: GithubSource, path: string, hasToken: boolean): Error {
  return new Error(
    `GitHub ${source.repository}: no ${path || "root directory"} on branch ${source.branch ?? "(default)"} (HTTP 404: ` +
      `the repository, the branch or the file does not exist${hasToken ? " or the token cannot see it" : `; a private repository needs ${GITHUB_TOKEN_KEY}`})`,
  );
}

/** The lock-file of the configured repository and branch, with package.json beside it for a yarn.lock. */
export async function githubLockfile(
  client: JsonClient,
  source: GithubSource,
): Promise<{ origin: string; lock: Lockfile }> {
  const token = source.token ? await source.token() : undefined;
  let path = source.path;
  if (!path) {
    const root = await contents(client, source, token, "", false);
    if (root === undefined) throw notFound(source, "", !!token);
    const names = new Set((root as ContentEntry[]).filter((e) => e.type === "file").map((e) => e.name));
    path = Object.keys(LOCKFILE_NAMES).find((n) => names.has(n));
    if (!path)
      throw new Error(
        `GitHub ${source.repository}: no ${Object.keys(LOCKFILE_NAMES).join(", ")} at the root of branch ${source.branch ?? "(default)"}; set security.github.path to the lock-file's path`,
      );
  }
  const text = await contents(client, source, token, path, true);
  if (typeof text !== "string") throw notFound(source, path, !!token);
  let manifest: Record<string, Record<string, string>> | undefined;
  if (path.endsWith("yarn.lock")) {
    const dir = dirname(path);
    const json = await contents(client, source, token, `${dir ? `${dir}/` : ""}package.json`, true);
    try {
      manifest = typeof json === "string" ? JSON.parse(json) : undefined;
    } catch {
      manifest = undefined; // the parser then warns that direct and transitive are not told apart
    }
  }
  const at = `${source.repository}@${source.branch ?? "default"}`;
  return { origin: `app: GitHub ${at} ${path}`, lock: parseLockfile(`${at}/${path}`, text, manifest) };
}

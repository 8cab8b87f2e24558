// A fake of GitHub's contents API on loopback: GET /repos/{owner}/{repo}/contents/{path}?ref=…
// answering a directory as its entries, a file raw (`Accept: application/vnd.github.raw+json`)
// or as JSON with base64 `content` in 60-character lines, as GitHub does. A wrong token is a 401
// "Bad credentials"; a private repository without a token, an unknown branch or path a 404.
import { startHttpServer, type TestServer } from "./http";

export interface FakeRepo {
  /** branch → path → content. */
  branches: Record<string, Record<string, string>>;
  defaultBranch?: string;
  private?: boolean;
}

export interface FakeGithub {
  url: string;
  /** `owner/repo` → its files. */
  repos: Record<string, FakeRepo>;
  requests: TestServer["requests"];
  /** false: answer the JSON form (base64 `content`) even when the raw one is asked, as a proxy may. */
  rawMediaType: boolean;
  /** Answers `status` to paths matching, `times` times (default: always). */
  fail(path: RegExp, status: number, times?: number): void;
  close(): Promise<void>;
}

const DOCS = "https://docs.github.com/rest/repos/contents#get-repository-content";

export async function startGithubApi(options: { token: string }): Promise<FakeGithub> {
  const failures: { path: RegExp; status: number; remaining: number }[] = [];
  const fake = {
    repos: {},
    rawMediaType: true,
    fail: (path: RegExp, status: number, times = Infinity) => void failures.push({ path, status, remaining: times }),
  } as unknown as FakeGithub;
  const server = await startHttpServer((req, res) => {
    const send = (status: number, data: unknown, type = "application/json; charset=utf-8") =>
      res.writeHead(status, { "content-type": type }).end(typeof data === "string" ? data : JSON.stringify(data));
    const url = new URL(req.url ?? "/", "http://localhost");
    const failure = failures.find((f) => f.remaining > 0 && f.path.test(url.pathname));
    if (failure) {
      failure.remaining--;
      return send(failure.status, { message: "Server Error", status: String(failure.status) });
    }
    const auth = req.headers.authorization;
    if (auth !== undefined && auth !== `Bearer ${options.token}`)
      return send(401, {
        message: "Bad credentials",
        documentation_url: "https://docs.github.com/rest",
        status: "401",
      });
    const m = /^\/repos\/([^/]+\/[^/]+)\/contents\/?(.*)$/.exec(url.pathname);
    const repo = m ? fake.repos[m[1]] : undefined;
    const notFound = (message = "Not Found") => send(404, { message, documentation_url: DOCS, status: "404" });
    if (!m || !repo || (repo.private && !auth)) return notFound();
    const ref = url.searchParams.get("ref") ?? repo.defaultBranch ?? "main";
    const files = repo.branches[ref];
    if (!files) return notFound(`No commit found for the ref ${ref}`);
    const path = m[2].split("/").map(decodeURIComponent).join("/");
    const entry = (p: string, type: string) => ({ type, name: p.split("/").pop(), path: p, sha: "0".repeat(40) });
    if (files[path] !== undefined) {
      if (fake.rawMediaType && /vnd\.github\.raw/.test(req.headers.accept ?? ""))
        return send(200, files[path], "application/vnd.github.raw");
      const content = Buffer.from(files[path]).toString("base64").replace(/.{60}/g, "$&\n");
      return send(200, { ...entry(path, "file"), size: files[path].length, encoding: "base64", content });
    }
    const prefix = path ? `${path}/` : "";
    const children = new Map<string, string>();
    for (const p of Object.keys(files).filter((f) => f.startsWith(prefix))) {
      const rest = p.slice(prefix.length);
      const child = rest.split("/")[0];
      children.set(prefix + child, rest.includes("/") ? "dir" : "file");
    }
    if (!children.size) return notFound();
    send(
      200,
      [...children].map(([p, type]) => entry(p, type)),
    );
  });
  fake.url = server.url;
  fake.requests = server.requests;
  fake.close = server.close;
  return fake;
}

// A fake of Vercel's REST API on loopback, for the endpoints ops maintenance, ops rollback and
// the security checks (deployment files, project settings, team members) use. It checks the bearer token (401 otherwise) and the team (403 for another), keeps state
// (Edge Config items, deployments, the project's production target) and can be told to fail.
import { createHash } from "node:crypto";
import type * as http from "node:http";
import { startHttpServer, TestServer } from "./http";

export interface FakeDeployment {
  uid: string;
  url: string;
  created: number;
  readyState: "READY" | "ERROR" | "BUILDING" | "CANCELED";
  target: "production" | null;
  meta: Record<string, string>;
}

interface Failure {
  method?: string;
  path: RegExp;
  status: number;
  remaining: number;
  retryAfter?: string;
  message: string;
}

export interface FakeVercel {
  url: string;
  token: string;
  teamId: string;
  project: {
    id: string;
    name: string;
    production?: string;
    lastAliasRequest?: { jobStatus: string; toDeploymentId: string; requestedAt: number };
    /** The Node.js the project builds with, e.g. "22.x". */
    nodeVersion?: string;
    deployHooks?: { id: string; name: string; ref: string; createdAt: number }[];
  };
  /** Deployment uid → its source files (path → content), served by the files endpoints. */
  files: Map<string, Record<string, string>>;
  /** The team's members (GET /v2/teams/{id}/members). */
  members: {
    uid: string;
    email: string;
    username: string;
    name?: string;
    role: string;
    confirmed: boolean;
    joinedFrom?: { origin: string };
  }[];
  deployments: FakeDeployment[];
  /** Edge Config id → items. */
  edgeConfigs: Map<string, Map<string, unknown>>;
  /** How many project reads still show the old production after a promote (the switch is not instant). */
  promoteLagReads: number;
  /** Every request, with its time (ms since the epoch). */
  log: { method: string; path: string; query: URLSearchParams; at: number; body: string }[];
  /** Answer `status` to matching requests, `times` times (default: always). */
  fail(
    match: { method?: string; path: RegExp },
    status: number,
    options?: { times?: number; retryAfter?: string; message?: string },
  ): void;
  reset(): void;
  close(): Promise<void>;
}

const sendJson = (
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
};
/** A file's id in a deployment, stable like Vercel's sha-1 ids. */
const fileId = (deployment: string, name: string) => createHash("sha1").update(`${deployment}/${name}`).digest("hex");

const sendError = (
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): void => sendJson(res, status, { error: { code, message } }, headers);

export async function startVercelApi(options: {
  token: string;
  teamId: string;
  projectId?: string;
  projectName?: string;
}): Promise<FakeVercel> {
  let failures: Failure[] = [];
  let pendingReads = 0;
  const fake: FakeVercel = {
    url: "",
    token: options.token,
    teamId: options.teamId,
    project: { id: options.projectId ?? "prj_elegance", name: options.projectName ?? "elegance-mobilite" },
    deployments: [],
    edgeConfigs: new Map(),
    files: new Map(),
    members: [],
    promoteLagReads: 1,
    log: [],
    fail(match, status, o = {}) {
      failures.push({
        ...match,
        status,
        remaining: o.times ?? Infinity,
        retryAfter: o.retryAfter,
        message: o.message ?? "An unexpected internal error occurred",
      });
    },
    reset() {
      failures = [];
      fake.log.length = 0;
    },
    close: () => server.close(),
  };

  const deploymentJson = (d: FakeDeployment) => ({
    uid: d.uid,
    name: fake.project.name,
    url: d.url,
    created: d.created,
    createdAt: d.created,
    state: d.readyState,
    readyState: d.readyState,
    target: d.target,
    meta: d.meta,
    projectId: fake.project.id,
    isRollbackCandidate: d.target === "production" && d.readyState === "READY",
  });

  const projectJson = () => {
    const production = fake.deployments.find((d) => d.uid === fake.project.production);
    return {
      id: fake.project.id,
      name: fake.project.name,
      accountId: fake.teamId,
      targets: production
        ? {
            production: {
              id: production.uid,
              url: production.url,
              createdAt: production.created,
              readyState: production.readyState,
            },
          }
        : {},
      lastAliasRequest: fake.project.lastAliasRequest ?? null,
      nodeVersion: fake.project.nodeVersion ?? "22.x",
      link: { type: "github", repo: "elegance-mobilite", deployHooks: fake.project.deployHooks ?? [] },
    };
  };

  function route(method: string, path: string, query: URLSearchParams, body: string, res: http.ServerResponse): void {
    let m: RegExpMatchArray | null;
    if ((m = path.match(/^\/v1\/edge-config\/([^/]+)$/)) && method === "GET") {
      const items = fake.edgeConfigs.get(m[1]);
      if (!items) return sendError(res, 404, "not_found", "The Edge Config was not found.");
      return sendJson(res, 200, { id: m[1], slug: "maintenance", itemCount: items.size });
    }
    if ((m = path.match(/^\/v1\/edge-config\/([^/]+)\/item\/([^/]+)$/)) && method === "GET") {
      const items = fake.edgeConfigs.get(m[1]);
      if (!items || !items.has(m[2]))
        return sendError(res, 404, "not_found", `The Edge Config item "${m[2]}" was not found.`);
      return sendJson(res, 200, {
        key: m[2],
        value: items.get(m[2]),
        edgeConfigId: m[1],
        createdAt: 1,
        updatedAt: Date.now(),
      });
    }
    if ((m = path.match(/^\/v1\/edge-config\/([^/]+)\/items$/)) && method === "PATCH") {
      const items = fake.edgeConfigs.get(m[1]);
      if (!items) return sendError(res, 404, "not_found", "The Edge Config was not found.");
      const ops = (JSON.parse(body || "{}") as { items?: { operation: string; key: string; value?: unknown }[] }).items;
      if (!Array.isArray(ops))
        return sendError(res, 400, "bad_request", "Invalid request: missing required property `items`.");
      for (const op of ops) {
        if (op.operation === "delete") items.delete(op.key);
        else if (op.operation === "upsert" || op.operation === "create" || op.operation === "update")
          items.set(op.key, op.value);
        else return sendError(res, 400, "bad_request", `Invalid operation ${op.operation}`);
      }
      return sendJson(res, 200, { status: "ok" });
    }
    if ((m = path.match(/^\/v9\/projects\/([^/]+)$/)) && method === "GET") {
      if (m[1] !== fake.project.id && m[1] !== fake.project.name)
        return sendError(res, 404, "not_found", "Project not found");
      // Until the lag is over the production target is still the old one, as while Vercel moves the aliases.
      if (pendingReads > 0 && --pendingReads > 0) return sendJson(res, 200, projectJson());
      if (fake.project.lastAliasRequest?.jobStatus === "in-progress") {
        fake.project.production = fake.project.lastAliasRequest.toDeploymentId;
        fake.project.lastAliasRequest.jobStatus = "succeeded";
      }
      return sendJson(res, 200, projectJson());
    }
    if (path === "/v6/deployments" && method === "GET") {
      const limit = Number(query.get("limit") ?? 20);
      const until = query.has("until") ? Number(query.get("until")) : Infinity;
      const states = query.get("state")?.split(",");
      const ofProject = !query.get("projectId") || query.get("projectId") === fake.project.id;
      const matching = (ofProject ? fake.deployments : [])
        .filter((d) => (query.get("target") ? d.target === query.get("target") : true))
        .filter((d) => (states ? states.includes(d.readyState) : true))
        .filter((d) => d.created < until)
        .sort((a, b) => b.created - a.created);
      const page = matching.slice(0, limit);
      const next = matching.length > limit ? page.at(-1)!.created : null;
      return sendJson(res, 200, {
        deployments: page.map(deploymentJson),
        pagination: { count: page.length, next, prev: null },
      });
    }
    if ((m = path.match(/^\/v6\/deployments\/([^/]+)\/files$/)) && method === "GET") {
      const files = fake.files.get(m[1]);
      if (!files) return sendError(res, 404, "not_found", "Deployment not found");
      // The tree of a CLI deployment: the uploaded sources under src/, each with its file id (its sha).
      const children = Object.keys(files).map((name) => ({
        name,
        type: "file",
        uid: fileId(m![1], name),
        mode: 33188,
      }));
      return sendJson(res, 200, [{ name: "src", type: "directory", mode: 16877, children }]);
    }
    if ((m = path.match(/^\/v8\/deployments\/([^/]+)\/files\/([^/]+)$/)) && method === "GET") {
      const files = fake.files.get(m[1]);
      const name = files && Object.keys(files).find((n) => fileId(m![1], n) === m![2]);
      if (!files || !name) return sendError(res, 404, "file_not_found", "File not found");
      return sendJson(res, 200, { data: Buffer.from(files[name]).toString("base64") });
    }
    if ((m = path.match(/^\/v2\/teams\/([^/]+)\/members$/)) && method === "GET") {
      if (m[1] !== fake.teamId) return sendError(res, 403, "forbidden", "You don't have permission to access the team");
      return sendJson(res, 200, {
        members: fake.members,
        pagination: { count: fake.members.length, next: null, prev: null },
        emailInviteCodes: [],
      });
    }
    if ((m = path.match(/^\/v13\/deployments\/([^/]+)$/)) && method === "GET") {
      const d = fake.deployments.find((x) => x.uid === m![1] || x.url === m![1]);
      if (!d) return sendError(res, 404, "not_found", "Deployment not found");
      const { uid, ...rest } = deploymentJson(d);
      return sendJson(res, 200, { id: uid, ...rest });
    }
    if ((m = path.match(/^\/v10\/projects\/([^/]+)\/promote\/([^/]+)$/)) && method === "POST") {
      if (m[1] !== fake.project.id) return sendError(res, 404, "not_found", "Project not found");
      const d = fake.deployments.find((x) => x.uid === m![2]);
      if (!d) return sendError(res, 404, "not_found", "Deployment not found");
      if (d.readyState !== "READY") return sendError(res, 400, "bad_request", "Deployment is not ready");
      fake.project.lastAliasRequest = { jobStatus: "in-progress", toDeploymentId: d.uid, requestedAt: Date.now() };
      pendingReads = fake.promoteLagReads + 1;
      return sendJson(res, 201, {});
    }
    sendError(res, 404, "not_found", `The requested endpoint ${method} ${path} was not found`);
  }

  const server: TestServer = await startHttpServer((req, res, body) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    fake.log.push({ method, path: url.pathname, query: url.searchParams, at: Date.now(), body });
    if (req.headers.authorization !== `Bearer ${fake.token}`) return sendError(res, 401, "forbidden", "Not authorized");
    if (url.searchParams.get("teamId") !== fake.teamId)
      return sendError(res, 403, "forbidden", "You don't have permission to access the team");
    const failure = failures.find(
      (f) => f.remaining > 0 && (!f.method || f.method === method) && f.path.test(url.pathname),
    );
    if (failure) {
      failure.remaining--;
      return sendError(
        res,
        failure.status,
        failure.status === 429 ? "too_many_requests" : "internal_server_error",
        failure.message,
        failure.retryAfter ? { "retry-after": failure.retryAfter } : {},
      );
    }
    route(method, url.pathname, url.searchParams, body, res);
  });
  fake.url = server.url;
  return fake;
}

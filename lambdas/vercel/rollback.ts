// The guide's level-2 "rollback rapide": promote the production deployment before the one
// serving now (or a named one) through Vercel's API, wait until the project's production
// target is that deployment, then check the app's health endpoint.
import { probeHealth } from "../health/probe";
import { VercelApi, VercelApiError } from "./api";

export interface Deployment {
  id: string;
  url: string;
  /** Milliseconds since the epoch. */
  created: number;
  state?: string;
  target?: string | null;
  sha?: string;
  ref?: string;
  isRollbackCandidate?: boolean | null;
}

export interface Project {
  id: string;
  name: string;
  /** The deployment production traffic goes to now. */
  productionId?: string;
  productionCreated?: number;
  /** Vercel's last promote/rollback job on the project, if any. */
  lastAliasRequest?: { jobStatus?: string; toDeploymentId?: string } | null;
}

type RawDeployment = {
  uid?: string;
  id?: string;
  url: string;
  created?: number;
  createdAt?: number;
  state?: string;
  readyState?: string;
  target?: string | null;
  projectId?: string;
  meta?: Record<string, string | undefined>;
  isRollbackCandidate?: boolean | null;
};

/** Git metadata of a deployment, whichever provider built it. */
function normalise(raw: RawDeployment): Deployment {
  const meta = raw.meta ?? {};
  const sha = meta.githubCommitSha ?? meta.gitlabCommitSha ?? meta.bitbucketCommitSha;
  const ref = meta.githubCommitRef ?? meta.gitlabCommitRef ?? meta.bitbucketCommitRef;
  return {
    id: (raw.uid ?? raw.id)!,
    url: raw.url,
    created: raw.created ?? raw.createdAt ?? 0,
    state: raw.readyState ?? raw.state,
    target: raw.target,
    ...(sha ? { sha } : {}),
    ...(ref ? { ref } : {}),
    isRollbackCandidate: raw.isRollbackCandidate,
  };
}

/** `dpl_… (url, abc1234 main, 2024-05-01 10:00 UTC)` */
export function describeDeployment(d: Deployment): string {
  const git = [d.sha?.slice(0, 7), d.ref].filter(Boolean).join(" ");
  const when = d.created ? new Date(d.created).toISOString().slice(0, 16).replace("T", " ") + " UTC" : "";
  return `${d.id} (${[d.url, git, when].filter(Boolean).join(", ")})`;
}

export async function getProject(api: VercelApi, idOrName: string): Promise<Project> {
  const raw = await api.get<{
    id: string;
    name: string;
    targets?: { production?: { id: string; createdAt?: number } | null };
    lastAliasRequest?: Project["lastAliasRequest"];
  }>(`/v9/projects/${encodeURIComponent(idOrName)}`);
  const production = raw.targets?.production ?? undefined;
  return {
    id: raw.id,
    name: raw.name,
    productionId: production?.id,
    productionCreated: production?.createdAt,
    lastAliasRequest: raw.lastAliasRequest,
  };
}

/** READY production deployments, newest first, up to `limit` (following Vercel's pagination). */
export async function listProductionDeployments(
  api: VercelApi,
  projectId: string,
  limit: number,
): Promise<Deployment[]> {
  const found: Deployment[] = [];
  let until: number | undefined;
  while (found.length < limit) {
    const page = await api.get<{ deployments: RawDeployment[]; pagination?: { next?: number | null } }>(
      "/v6/deployments",
      {
        projectId,
        target: "production",
        state: "READY",
        limit: Math.min(100, limit - found.length),
        until,
      },
    );
    found.push(...page.deployments.map(normalise));
    until = page.pagination?.next ?? undefined;
    if (!until || page.deployments.length === 0) break;
  }
  return found.sort((a, b) => b.created - a.created).slice(0, limit);
}

export interface RollbackPlan {
  project: Project;
  /** The deployment serving production now, when it is among the recent ones. */
  current?: Deployment;
  target: Deployment;
  recent: Deployment[];
}

export interface PlanOptions {
  project: string;
  /** A deployment id, a git sha (7+ hex digits) or a git ref/tag; default: the one before the current. */
  to?: string;
  /** How many recent production deployments to consider. */
  limit?: number;
}

const SHA = /^[0-9a-f]{7,40}$/i;

async function resolveTo(
  api: VercelApi,
  project: Project,
  recent: Deployment[],
  to: string,
): Promise<Deployment | undefined> {
  const byId = recent.find((d) => d.id === to || d.url === to.replace(/^https?:\/\//, ""));
  if (byId) return byId;
  if (to.startsWith("dpl_")) {
    // Older than the recent ones: ask for it, and promote it only if it is a READY production build of this project.
    try {
      const d = await api.get<RawDeployment>(`/v13/deployments/${encodeURIComponent(to)}`);
      if (d.projectId && d.projectId !== project.id)
        throw new Error(`deployment ${to} belongs to another project (${d.projectId}), not ${project.name}`);
      const deployment = normalise(d);
      if (deployment.target !== "production" || deployment.state !== "READY") {
        throw new Error(
          `deployment ${describeDeployment(deployment)} is not a READY production deployment (target ${deployment.target ?? "preview"}, state ${deployment.state})`,
        );
      }
      return deployment;
    } catch (error) {
      if (error instanceof VercelApiError && error.status === 404) return undefined;
      throw error;
    }
  }
  const bySha = SHA.test(to) ? recent.find((d) => d.sha?.toLowerCase().startsWith(to.toLowerCase())) : undefined;
  // A tag or branch as the git provider reported it when the deployment was built (newest first).
  return bySha ?? recent.find((d) => d.ref === to);
}

/** Which deployment to promote; throws with the reason when there is none. */
export async function planRollback(api: VercelApi, options: PlanOptions): Promise<RollbackPlan> {
  const project = await getProject(api, options.project);
  const limit = options.limit ?? 20;
  const recent = await listProductionDeployments(api, project.id, limit);
  const current = recent.find((d) => d.id === project.productionId) ?? (project.productionId ? undefined : recent[0]);
  if (options.to) {
    const target = await resolveTo(api, project, recent, options.to);
    if (!target) {
      throw new Error(
        `no READY production deployment of ${project.name} matches --to ${options.to} (a deployment id, a git sha, or the git ref a deployment was built from) among the last ${recent.length}; for a tag, give its commit: git rev-parse <tag>^{commit} in the app's repository`,
      );
    }
    return { project, current, target, recent };
  }
  // "Previous" is relative to what serves now: after one rollback, the next goes one further back.
  const currentCreated = current?.created ?? project.productionCreated ?? Infinity;
  const target = recent.find(
    (d) =>
      d.id !== project.productionId &&
      d.id !== current?.id &&
      d.created < currentCreated &&
      d.isRollbackCandidate !== false,
  );
  if (!target) {
    const serving = current ? describeDeployment(current) : (project.productionId ?? "none");
    throw new Error(
      `no previous production deployment of ${project.name} to roll back to: ${recent.length} READY production deployment(s) in the last ${limit}, the current one is ${serving}`,
    );
  }
  return { project, current, target, recent };
}

export interface HealthAnswer {
  healthy: boolean;
  url: string;
  status?: number;
  /** The start of the body, or why there was no answer. */
  answer: string;
}

/** The health endpoint's answer, judged as the probe judges it (lambdas/health/probe.ts). */
export async function checkHealth(url: string, timeoutMs: number): Promise<HealthAnswer> {
  const probe = await probeHealth(url, timeoutMs);
  return { healthy: probe.healthy, url, status: probe.status, answer: probe.body ?? probe.reason ?? "" };
}

export interface RollbackOptions extends PlanOptions {
  dryRun?: boolean;
  /** The health endpoint of the production app, e.g. https://www.example.com/api/health */
  healthUrl?: string;
  healthTimeoutMs?: number;
  /** How long to wait for production to serve the promoted deployment. */
  waitTimeoutMs?: number;
  pollIntervalMs?: number;
  /** Health attempts after the switch (the domain may take a moment to follow). */
  healthAttempts?: number;
  onProgress?: (line: string) => void;
}

export interface RollbackResult {
  plan: RollbackPlan;
  dryRun: boolean;
  /** False when the target already served production. */
  promoted: boolean;
  waitedMs?: number;
  health?: HealthAnswer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the project until its production target is the deployment; throws on a failed job or the time limit. */
export async function waitForProduction(
  api: VercelApi,
  project: Project,
  target: Deployment,
  timeoutMs: number,
  pollIntervalMs: number,
): Promise<number> {
  const began = Date.now();
  for (;;) {
    const now = await getProject(api, project.id);
    if (now.productionId === target.id) return Date.now() - began;
    const job = now.lastAliasRequest;
    if (job?.toDeploymentId === target.id && job.jobStatus === "failed") {
      throw new Error(
        `Vercel reports the promotion of ${describeDeployment(target)} as failed; production still serves ${now.productionId ?? "nothing"}`,
      );
    }
    if (Date.now() - began >= timeoutMs) {
      throw new Error(
        `promotion of ${describeDeployment(target)} requested, but after ${Math.round(timeoutMs / 1000)} s production still serves ${now.productionId ?? "nothing"} (job ${job?.jobStatus ?? "unknown"})`,
      );
    }
    await sleep(pollIntervalMs);
  }
}

export async function rollback(api: VercelApi, options: RollbackOptions): Promise<RollbackResult> {
  const plan = await planRollback(api, options);
  const { project, target } = plan;
  if (options.dryRun) return { plan, dryRun: true, promoted: false };
  if (!options.healthUrl) throw new Error("no health URL to check the promoted deployment with");
  const progress = options.onProgress ?? (() => {});

  let promoted = false;
  let waitedMs: number | undefined;
  if (project.productionId !== target.id) {
    progress(`promoting ${describeDeployment(target)}…`);
    await api.post(`/v10/projects/${encodeURIComponent(project.id)}/promote/${encodeURIComponent(target.id)}`, {});
    promoted = true;
    waitedMs = await waitForProduction(
      api,
      project,
      target,
      options.waitTimeoutMs ?? 180_000,
      options.pollIntervalMs ?? 2_000,
    );
    progress(
      `production serves ${target.id} (after ${(waitedMs / 1000).toFixed(1)} s); checking ${options.healthUrl}…`,
    );
  }

  const attempts = Math.max(1, options.healthAttempts ?? 3);
  let health: HealthAnswer | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    health = await checkHealth(options.healthUrl, options.healthTimeoutMs ?? 5_000);
    if (health.healthy || attempt === attempts) break;
    await sleep(options.pollIntervalMs ?? 2_000);
  }
  if (!health!.healthy) {
    const answer =
      health!.status !== undefined ? `HTTP ${health!.status} ${JSON.stringify(health!.answer)}` : health!.answer;
    throw new Error(
      `${project.name} now serves ${describeDeployment(target)}, but its health check failed ${attempts} time(s): ${health!.url} answered ${answer}`,
    );
  }
  return { plan, dryRun: false, promoted, waitedMs, health };
}

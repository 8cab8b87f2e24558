// Where the weekly scan reads the app's lock-file (`security.lockfile`): the Vercel production
// deployment's files (default), or the app's GitHub repository (`security.github`). Kept beside
// schema.ts so that file only gains a few lines; schema.ts passes its `doc` and `toSecret`.
import { z } from "zod";

type Doc = <T extends z.ZodType>(schema: T, expected: string, example?: string) => T;
type Ctx = { addIssue(issue: { code: "custom"; message: string; path?: PropertyKey[]; params?: object }): void };

export function lockfileSourceShape(doc: Doc, toSecret: (value: string) => unknown) {
  return {
    lockfile: doc(
      z.enum(["vercel", "github"]),
      "vercel (the production deployment's files) or github (security.github's repository and branch)",
    ).optional(),
    github: z
      .strictObject({
        repository: doc(
          z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/),
          "the app's repository as owner/repo, e.g. elegance-mobilite/app",
          "elegance-mobilite/app",
        ),
        branch: doc(
          z.string().regex(/^(?!\/|.*\/\/|.*\.\.|.*\/$|.*\.lock$)[^\s~^:?*[\\]+$/),
          "a branch name, e.g. main (absent: the repository's default branch)",
        ).optional(),
        path: doc(
          z.string().regex(/^(?:[^/\s][^\s]*\/)?(package-lock\.json|pnpm-lock\.yaml|yarn\.lock)$/),
          "the lock-file's path in the repository, e.g. package-lock.json or apps/web/pnpm-lock.yaml (absent: the first lock-file at the root)",
        ).optional(),
        // A secret (pulumi config set --secret): Contents read-only on the repository suffices.
        token: doc(
          z
            .string()
            .regex(/^(gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,240})$/)
            .transform(toSecret),
          "a GitHub token: github_pat_… (fine-grained, Contents: read-only on the repository) or ghp_…",
        ).optional(),
      })
      .optional(),
  };
}

/** `lockfile: github` needs the repository; a github block without it is read by nothing. */
export function checkLockfileSource(s: { lockfile?: unknown; github?: unknown }, ctx: Ctx): void {
  if (s.lockfile === "github" && s.github === undefined)
    ctx.addIssue({
      code: "custom",
      path: ["github", "repository"],
      params: { bare: true },
      message:
        "is missing: security.lockfile is github; set  pulumi config set --path 'security.github.repository' owner/repo  (and security.github.branch)",
    });
  if (s.github !== undefined && s.lockfile !== "github")
    ctx.addIssue({
      code: "custom",
      path: ["lockfile"],
      params: { bare: true },
      message: `is ${s.lockfile ?? "not set (vercel)"} but security.github is set; set security.lockfile to github to read the lock-file from the repository, or remove security.github`,
    });
}

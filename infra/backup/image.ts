// The backup container image: built from images/backup/Dockerfile with the handlers' bundles
// beside it, pushed to its own ECR repository, which keeps the last N images. The tag is the
// content's hash, so an unchanged image is neither rebuilt nor redeployed.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_RUNTIME } from "../../lambdas/core/contract";
import { bundle, REPO_ROOT } from "../bundle";

/** The handlers the image runs (a function picks one with its image command). */
export const IMAGE_HANDLERS = ["backup", "backup-drill"] as const;

export interface BackupImageArgs {
  /** PostgreSQL major of the tools installed: the database's. @example 15 */
  postgresMajor: number;
  /** Images kept in the repository; older ones expire. @example 5 */
  imagesKept: number;
  kmsKeyArn: pulumi.Input<string>;
}

/** ECR lifecycle policy: only the newest `kept` images survive. */
export function keepLastImagesPolicy(kept: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `keep the last ${kept} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: kept },
        action: { type: "expire" },
      },
    ],
  });
}

/** Writes the build context (Dockerfile + bundles) under .build/ and returns it with its content hash. */
export function writeBuildContext(): { dir: string; sha256: string } {
  const dir = path.join(REPO_ROOT, ".build", "backup-image");
  const hash = createHash("sha256");
  const dockerfile = readFileSync(path.join(REPO_ROOT, "images", "backup", "Dockerfile"), "utf8");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "Dockerfile"), dockerfile);
  hash.update(dockerfile);
  for (const handler of IMAGE_HANDLERS) {
    const built = bundle(handler);
    mkdirSync(path.join(dir, handler), { recursive: true });
    for (const [name, content] of Object.entries(built.files)) writeFileSync(path.join(dir, handler, name), content);
    hash.update(built.sha256);
  }
  return { dir, sha256: hash.digest("hex") };
}

export class BackupImage extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  readonly image: dockerBuild.Image;
  /** `<repository>@sha256:…`: what the functions run. */
  readonly uri: pulumi.Output<string>;

  constructor(name: string, args: BackupImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:backup:BackupImage", name, {}, opts);
    this.repository = new aws.ecr.Repository(
      name,
      {
        name,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
        forceDelete: false,
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      { repository: this.repository.name, policy: keepLastImagesPolicy(args.imagesKept) },
      { parent: this },
    );
    const context = writeBuildContext();
    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, { parent: this });
    const tag = `pg${args.postgresMajor}-${context.sha256.slice(0, 16)}`;
    this.image = new dockerBuild.Image(
      name,
      {
        context: { location: context.dir },
        platforms: ["linux/arm64"],
        buildArgs: { PG_MAJOR: String(args.postgresMajor), NODE_MAJOR: LAMBDA_RUNTIME.replace(/\D/g, "") },
        push: true,
        tags: [pulumi.interpolate`${this.repository.repositoryUrl}:${tag}`],
        registries: [
          { address: this.repository.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) },
        ],
        // `pulumi preview` needs no Docker engine; the image is built by `pulumi up`.
        buildOnPreview: false,
      },
      { parent: this },
    );
    this.uri = this.image.ref;
    this.registerOutputs({ repositoryUrl: this.repository.repositoryUrl, uri: this.uri });
  }
}

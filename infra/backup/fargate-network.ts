// Where the backup's Fargate tasks run: an ECS cluster (the stack's, or a named existing one)
// and the network of the config (its subnets, or the default VPC's), behind a security group
// that lets nothing in and out only to PostgreSQL (5432) and HTTPS (443, the AWS APIs).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface FargateNetworkArgs {
  /** The app's name: prefixes the cluster and the security group. @example "elegance-mobilite" */
  app: string;
  /** An existing cluster's name; left out, the stack makes `<app>-backups`. @example "elegance-mobilite" */
  cluster?: string;
  /** Subnets of one VPC that reach the database and AWS (NAT or VPC endpoints). @example ["subnet-0123456789abcdef0"] */
  subnetIds?: string[];
  /** No subnets: the default VPC's default subnets. @default false */
  useDefaultVpc?: boolean;
  /** @default true in the default VPC (its subnets are public, without NAT), else false */
  assignPublicIp?: boolean;
}

/** What RunTask needs to place a task. */
export interface FargatePlacement {
  clusterArn: pulumi.Output<string>;
  subnets: pulumi.Output<string[]>;
  securityGroupIds: pulumi.Output<string>[];
  assignPublicIp: boolean;
}

export class FargateNetwork extends pulumi.ComponentResource implements FargatePlacement {
  readonly cluster?: aws.ecs.Cluster;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly clusterArn: pulumi.Output<string>;
  readonly subnets: pulumi.Output<string[]>;
  readonly securityGroupIds: pulumi.Output<string>[];
  readonly assignPublicIp: boolean;

  constructor(name: string, args: FargateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:backup:FargateNetwork", name, {}, opts);
    const parent = { parent: this };
    if (args.cluster) {
      this.clusterArn = aws.ecs.getClusterOutput({ clusterName: args.cluster }, parent).arn;
    } else {
      this.cluster = new aws.ecs.Cluster(
        name,
        { name, settings: [{ name: "containerInsights", value: "disabled" }] },
        parent,
      );
      this.clusterArn = this.cluster.arn;
    }
    if (!args.subnetIds?.length && !args.useDefaultVpc)
      throw new Error(`${name}: subnetIds or useDefaultVpc is required (backups.fargate)`);
    const vpcId = args.subnetIds?.length
      ? aws.ec2.getSubnetOutput({ id: args.subnetIds[0] }, parent).vpcId
      : aws.ec2.getVpcOutput({ default: true }, parent).id;
    this.subnets = args.subnetIds?.length
      ? pulumi.output(args.subnetIds)
      : aws.ec2.getSubnetsOutput(
          {
            filters: [
              { name: "vpc-id", values: [vpcId] },
              { name: "default-for-az", values: ["true"] },
            ],
          },
          parent,
        ).ids;
    this.assignPublicIp = args.assignPublicIp ?? !args.subnetIds?.length;
    // Egress only: the database (Supabase's 5432, outside the VPC) and AWS's HTTPS endpoints.
    // DNS goes to the VPC's resolver, which security groups do not filter.
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-tasks`,
      {
        name: `${name}-tasks`,
        description: "elegance-ops backup tasks: no ingress; egress PostgreSQL and HTTPS only",
        vpcId,
        ingress: [],
        egress: [
          {
            description: "PostgreSQL (the database)",
            protocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
            cidrBlocks: ["0.0.0.0/0"],
            ipv6CidrBlocks: ["::/0"],
          },
          {
            description: "HTTPS (S3, ECR, Secrets Manager, CloudWatch)",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
            ipv6CidrBlocks: ["::/0"],
          },
        ],
        revokeRulesOnDelete: true,
      },
      parent,
    );
    this.securityGroupIds = [this.securityGroup.id];
    this.registerOutputs({ clusterArn: this.clusterArn, securityGroupId: this.securityGroup.id });
  }
}

// "Logs de sécurité" that alert: the CIS AWS Foundations monitoring controls that apply to
// this account, as metric filters on the trail's log group, each with one alarm paging its
// level (root use at level 3, the others at level 2) through the stack's alarm helper.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Level, METRICS_NAMESPACE } from "../lambdas/core/contract";
import { LevelTopics, burstAlarm } from "./alarms";

export const SECURITY_NAMESPACE = `${METRICS_NAMESPACE}/Security`;

export interface SecurityMonitoringArgs {
  app: string;
  /** The trail's log group (see Storage.security), and its name for the runbooks. */
  trail: { logGroup: aws.cloudwatch.LogGroup; logGroupName: string };
  /** The stack's buckets: a change to their policy, lifecycle, lock or replication pages. */
  bucketNames: pulumi.Input<string>[];
  topics: LevelTopics;
}

export interface CisControl {
  /** Short id, in the filter's and alarm's names. */
  id: string;
  /** The CIS AWS Foundations Benchmark (v1.4+) control, and Security Hub's. */
  cis: string;
  metric: string;
  level: Level;
  /** Events in 5 minutes that page: 1, except for the burst of refused calls. */
  threshold: number;
  problem: string;
  /** The first step (what to look for); the common steps follow. */
  look: string;
}

const anyEvent = (names: string[]) => names.map((n) => `($.eventName = ${n})`).join(" || ");

/** The patterns, as the benchmark writes them (the S3 one narrowed to our buckets). */
export const PATTERNS = {
  "unauthorized-api-calls": `{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }`,
  "console-sign-in-without-mfa": `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`,
  "root-account-use": `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`,
  "iam-policy-changes": `{ ${anyEvent(["DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion", "SetDefaultPolicyVersion", "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy"])} }`,
  "cloudtrail-changes": `{ ${anyEvent(["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging", "PutEventSelectors"])} }`,
  "kms-key-disabled-or-deleted": `{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }`,
  "security-group-changes": `{ ${anyEvent(["AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"])} }`,
  "network-acl-changes": `{ ${anyEvent(["CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"])} }`,
  "network-gateway-changes": `{ ${anyEvent(["CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway"])} }`,
  "route-table-changes": `{ ($.eventSource = ec2.amazonaws.com) && (${anyEvent(["CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable"])}) }`,
  "vpc-changes": `{ ${anyEvent(["CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink", "EnableVpcClassicLink"])} }`,
} as const;

/** CIS 3.8, narrowed to the stack's buckets (any bucket's change would page for others' work). */
export function bucketPolicyChangesPattern(bucketNames: string[]): string {
  const events = [
    "PutBucketAcl",
    "PutBucketPolicy",
    "DeleteBucketPolicy",
    "PutBucketCors",
    "DeleteBucketCors",
    "PutBucketLifecycle",
    "DeleteBucketLifecycle",
    "PutBucketReplication",
    "DeleteBucketReplication",
    "PutObjectLockConfiguration",
    "PutBucketVersioning",
  ];
  const buckets = bucketNames.map((b) => `($.requestParameters.bucketName = "${b}")`).join(" || ");
  return `{ ($.eventSource = s3.amazonaws.com) && (${anyEvent(events)}) && (${buckets}) }`;
}

/** Refused calls page only as a burst: one AccessDenied is a typo, ten in 5 minutes is someone probing. */
export const UNAUTHORIZED_BURST = 10;

export const CIS_CONTROLS: CisControl[] = [
  {
    id: "root-account-use",
    cis: "CIS 4.3, Security Hub CloudWatch.1",
    metric: "RootAccountUse",
    level: 3,
    threshold: 1,
    problem: "Le compte root AWS a été utilisé : il ne sert jamais au quotidien, c'est peut-être une compromission.",
    look: "Qui et d'où : filter userIdentity.type = 'Root' (sourceIPAddress, userAgent, eventName)",
  },
  {
    id: "unauthorized-api-calls",
    cis: "CIS 4.1, Security Hub CloudWatch.2",
    metric: "UnauthorizedApiCalls",
    level: 2,
    threshold: UNAUTHORIZED_BURST,
    problem: `Rafale d'appels AWS refusés (${UNAUTHORIZED_BURST} ou plus en 5 minutes) : quelqu'un essaie des droits qu'il n'a pas, ou un déploiement est cassé.`,
    look: "Quels appels : filter errorCode like /UnauthorizedOperation|AccessDenied/ | stats count(*) by userIdentity.arn, eventName",
  },
  {
    id: "console-sign-in-without-mfa",
    cis: "CIS 4.2, Security Hub CloudWatch.3",
    metric: "ConsoleSignInWithoutMfa",
    level: 2,
    threshold: 1,
    problem: "Connexion à la console AWS sans MFA par un utilisateur IAM.",
    look: "Qui : filter eventName = 'ConsoleLogin' (userIdentity.arn, sourceIPAddress) ; imposer le MFA à cet utilisateur",
  },
  {
    id: "iam-policy-changes",
    cis: "CIS 4.4, Security Hub CloudWatch.4",
    metric: "IamPolicyChanges",
    level: 2,
    threshold: 1,
    problem: "Une politique IAM a été créée, modifiée ou attachée.",
    look: "Quoi : filter eventSource = 'iam.amazonaws.com' (eventName, requestParameters) ; était-ce un pulumi up prévu ?",
  },
  {
    id: "cloudtrail-changes",
    cis: "CIS 4.5, Security Hub CloudWatch.5",
    metric: "CloudTrailChanges",
    level: 2,
    threshold: 1,
    problem: "La configuration de CloudTrail a changé : la journalisation de sécurité a pu être arrêtée.",
    look: "aws cloudtrail get-trail-status --name <trail> : IsLogging doit être true ; sinon aws cloudtrail start-logging",
  },
  {
    id: "kms-key-disabled-or-deleted",
    cis: "CIS 4.7, Security Hub CloudWatch.7",
    metric: "KmsKeyDisabledOrScheduledForDeletion",
    level: 2,
    threshold: 1,
    problem:
      "Une clé KMS a été désactivée ou programmée pour suppression : ce qu'elle chiffre (sauvegardes, logs) deviendrait illisible.",
    look: "Quelle clé : filter eventSource = 'kms.amazonaws.com' ; annuler : aws kms cancel-key-deletion --key-id <id> puis aws kms enable-key --key-id <id>",
  },
  {
    id: "bucket-policy-changes",
    cis: "CIS 4.8, Security Hub CloudWatch.8",
    metric: "BucketPolicyChanges",
    level: 2,
    threshold: 1,
    problem: "La politique, le cycle de vie, le verrouillage ou la réplication d'un bucket de la pile a changé.",
    look: "Quel bucket : filter eventSource = 's3.amazonaws.com' (requestParameters.bucketName, eventName) ; comparer avec pulumi preview",
  },
  {
    id: "security-group-changes",
    cis: "CIS 4.10, Security Hub CloudWatch.10",
    metric: "SecurityGroupChanges",
    level: 2,
    threshold: 1,
    problem: "Un groupe de sécurité a été modifié.",
    look: "Lequel : filter eventName like /SecurityGroup/ (requestParameters.groupId) ; une ouverture 0.0.0.0/0 se referme tout de suite",
  },
  {
    id: "network-acl-changes",
    cis: "CIS 4.11, Security Hub CloudWatch.11",
    metric: "NetworkAclChanges",
    level: 2,
    threshold: 1,
    problem: "Une ACL réseau a été modifiée.",
    look: "Laquelle : filter eventName like /NetworkAcl/",
  },
  {
    id: "network-gateway-changes",
    cis: "CIS 4.12, Security Hub CloudWatch.12",
    metric: "NetworkGatewayChanges",
    level: 2,
    threshold: 1,
    problem: "Une passerelle réseau (internet ou client) a été créée, attachée ou supprimée.",
    look: "Laquelle : filter eventName like /Gateway/",
  },
  {
    id: "route-table-changes",
    cis: "CIS 4.13, Security Hub CloudWatch.13",
    metric: "RouteTableChanges",
    level: 2,
    threshold: 1,
    problem: "Une table de routage a été modifiée.",
    look: "Laquelle : filter eventName like /Route/",
  },
  {
    id: "vpc-changes",
    cis: "CIS 4.14, Security Hub CloudWatch.14",
    metric: "VpcChanges",
    level: 2,
    threshold: 1,
    problem: "Un VPC ou un appairage de VPC a changé.",
    look: "Lequel : filter eventName like /Vpc/",
  },
];

/** The steps every security page shares, after the control's own first step. */
export function securityRunbook(control: CisControl, logGroupName: string): string[] {
  return [
    `CloudWatch Logs Insights sur ${logGroupName} (dernière heure) : ${control.look}`,
    "Prévu ? Un pulumi up, une intervention notée : le dire dans le canal d'incident et clore",
    "Sinon : révoquer les sessions du rôle ou de l'utilisateur (IAM › Révoquer les sessions actives), désactiver ses clés d'accès, prévenir le lead dev",
    "Conserver les preuves : le trail est dans le bucket security-logs (Object Lock, 1 an), ne rien supprimer",
  ];
}

export class SecurityMonitoring extends pulumi.ComponentResource {
  readonly filters: aws.cloudwatch.LogMetricFilter[] = [];
  readonly alarms: aws.cloudwatch.MetricAlarm[] = [];

  constructor(name: string, args: SecurityMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:security:SecurityMonitoring", name, {}, opts);
    const patterns: Record<string, pulumi.Input<string>> = {
      ...PATTERNS,
      "bucket-policy-changes": pulumi.all(args.bucketNames).apply(bucketPolicyChangesPattern),
    };
    for (const control of CIS_CONTROLS) {
      const physical = `${args.app}-security-${control.id}`;
      this.filters.push(
        new aws.cloudwatch.LogMetricFilter(
          `${physical}-filter`,
          {
            name: physical,
            logGroupName: args.trail.logGroup.name,
            pattern: patterns[control.id],
            metricTransformation: { name: control.metric, namespace: SECURITY_NAMESPACE, value: "1", unit: "Count" },
          },
          { parent: this },
        ),
      );
      this.alarms.push(
        // No matching event, no data point: that is the quiet state (burstAlarm treats it so).
        burstAlarm(
          { topics: args.topics, opts: { parent: this } },
          {
            name: physical,
            level: control.level,
            problem: `${control.problem} (${control.cis})`,
            runbook: securityRunbook(control, args.trail.logGroupName),
          },
          { namespace: SECURITY_NAMESPACE, metricName: control.metric },
          control.threshold,
        ),
      );
    }
    this.registerOutputs({});
  }
}

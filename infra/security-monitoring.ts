// "Logs de sécurité" that alert: the CIS AWS Foundations monitoring controls that apply to
// this account, as metric filters on the trail's log group. Filters are free, metrics and alarms
// are not: root use keeps its own metric and level-3 alarm, the eleven others count into one
// metric and one level-2 alarm, whose runbook lists them and finds the event in the trail.
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
  /** What one matching event adds to its metric: a burst of refused calls pages, one change does. */
  weight: number;
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
    weight: 1,
    problem: "Le compte root AWS a été utilisé : il ne sert jamais au quotidien, c'est peut-être une compromission.",
    look: "Qui et d'où : filter userIdentity.type = 'Root' (sourceIPAddress, userAgent, eventName)",
  },
  {
    id: "unauthorized-api-calls",
    cis: "CIS 4.1, Security Hub CloudWatch.2",
    weight: 1,
    problem: `Rafale d'appels AWS refusés (${UNAUTHORIZED_BURST} ou plus en 5 minutes) : quelqu'un essaie des droits qu'il n'a pas, ou un déploiement est cassé.`,
    look: "Quels appels : filter errorCode like /UnauthorizedOperation|AccessDenied/ | stats count(*) by userIdentity.arn, eventName",
  },
  {
    id: "console-sign-in-without-mfa",
    cis: "CIS 4.2, Security Hub CloudWatch.3",
    weight: UNAUTHORIZED_BURST,
    problem: "Connexion à la console AWS sans MFA par un utilisateur IAM.",
    look: "Qui : filter eventName = 'ConsoleLogin' (userIdentity.arn, sourceIPAddress) ; imposer le MFA à cet utilisateur",
  },
  {
    id: "iam-policy-changes",
    cis: "CIS 4.4, Security Hub CloudWatch.4",
    weight: UNAUTHORIZED_BURST,
    problem: "Une politique IAM a été créée, modifiée ou attachée.",
    look: "Quoi : filter eventSource = 'iam.amazonaws.com' (eventName, requestParameters) ; était-ce un pulumi up prévu ?",
  },
  {
    id: "cloudtrail-changes",
    cis: "CIS 4.5, Security Hub CloudWatch.5",
    weight: UNAUTHORIZED_BURST,
    problem: "La configuration de CloudTrail a changé : la journalisation de sécurité a pu être arrêtée.",
    look: "aws cloudtrail get-trail-status --name <trail> : IsLogging doit être true ; sinon aws cloudtrail start-logging",
  },
  {
    id: "kms-key-disabled-or-deleted",
    cis: "CIS 4.7, Security Hub CloudWatch.7",
    weight: UNAUTHORIZED_BURST,
    problem:
      "Une clé KMS a été désactivée ou programmée pour suppression : ce qu'elle chiffre (sauvegardes, logs) deviendrait illisible.",
    look: "Quelle clé : filter eventSource = 'kms.amazonaws.com' ; annuler : aws kms cancel-key-deletion --key-id <id> puis aws kms enable-key --key-id <id>",
  },
  {
    id: "bucket-policy-changes",
    cis: "CIS 4.8, Security Hub CloudWatch.8",
    weight: UNAUTHORIZED_BURST,
    problem: "La politique, le cycle de vie, le verrouillage ou la réplication d'un bucket de la pile a changé.",
    look: "Quel bucket : filter eventSource = 's3.amazonaws.com' (requestParameters.bucketName, eventName) ; comparer avec pulumi preview",
  },
  {
    id: "security-group-changes",
    cis: "CIS 4.10, Security Hub CloudWatch.10",
    weight: UNAUTHORIZED_BURST,
    problem: "Un groupe de sécurité a été modifié.",
    look: "Lequel : filter eventName like /SecurityGroup/ (requestParameters.groupId) ; une ouverture 0.0.0.0/0 se referme tout de suite",
  },
  {
    id: "network-acl-changes",
    cis: "CIS 4.11, Security Hub CloudWatch.11",
    weight: UNAUTHORIZED_BURST,
    problem: "Une ACL réseau a été modifiée.",
    look: "Laquelle : filter eventName like /NetworkAcl/",
  },
  {
    id: "network-gateway-changes",
    cis: "CIS 4.12, Security Hub CloudWatch.12",
    weight: UNAUTHORIZED_BURST,
    problem: "Une passerelle réseau (internet ou client) a été créée, attachée ou supprimée.",
    look: "Laquelle : filter eventName like /Gateway/",
  },
  {
    id: "route-table-changes",
    cis: "CIS 4.13, Security Hub CloudWatch.13",
    weight: UNAUTHORIZED_BURST,
    problem: "Une table de routage a été modifiée.",
    look: "Laquelle : filter eventName like /Route/",
  },
  {
    id: "vpc-changes",
    cis: "CIS 4.14, Security Hub CloudWatch.14",
    weight: UNAUTHORIZED_BURST,
    problem: "Un VPC ou un appairage de VPC a changé.",
    look: "Lequel : filter eventName like /Vpc/",
  },
];

/** Root use pages alone at level 3; every other control counts into SECURITY_EVENTS, paged at level 2. */
export const ROOT_CONTROL = "root-account-use";
export const ROOT_METRIC = "RootAccountUse";
export const SECURITY_EVENTS = {
  metric: "SecurityEvents",
  id: "events",
  level: 2 as Level,
  threshold: UNAUTHORIZED_BURST,
};

/** The metric a control's filter counts into. */
export const controlMetric = (control: CisControl) =>
  control.id === ROOT_CONTROL ? ROOT_METRIC : SECURITY_EVENTS.metric;

/** Which write or refused call it was: the shared alarm's data point does not say, the trail does. */
export const TRAIL_QUERY =
  "fields eventName, errorCode, userIdentity.arn | filter readOnly = 0 or errorCode like /Denied|Unauthorized/ | sort @timestamp desc";

/** The steps every security page shares, after the first (what to look for). */
function commonSteps(): string[] {
  return [
    "Prévu ? Un pulumi up, une intervention notée : le dire dans le canal d'incident et clore",
    "Sinon : révoquer les sessions du rôle ou de l'utilisateur (IAM › Révoquer les sessions actives), désactiver ses clés d'accès, prévenir le lead dev",
    "Conserver les preuves : le trail est dans le bucket security-logs (Object Lock, 1 an), ne rien supprimer",
  ];
}

/** Root use: its own first step, then the common ones. */
export function securityRunbook(control: CisControl, logGroupName: string): string[] {
  return [`CloudWatch Logs Insights sur ${logGroupName} (dernière heure) : ${control.look}`, ...commonSteps()];
}

/** The shared alarm: the controls it watches, the query that names the event, then the common steps. */
export function securityEventsRunbook(controls: CisControl[], logGroupName: string): string[] {
  return [
    `Logs Insights sur ${logGroupName}, fenêtre de l'alarme : ${TRAIL_QUERY}`,
    `Contrôles (refus : ${UNAUTHORIZED_BURST} en 5 min) : ${controls.map((c) => c.id.replace(/-changes$/, "")).join(", ")}`,
    ...commonSteps(),
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
    // One filter per control (filters are free; one pattern ORing all twelve exceeds CloudWatch's 1024 characters).
    for (const control of CIS_CONTROLS) {
      const physical = `${args.app}-security-${control.id}`;
      this.filters.push(
        new aws.cloudwatch.LogMetricFilter(
          `${physical}-filter`,
          {
            name: physical,
            logGroupName: args.trail.logGroup.name,
            pattern: patterns[control.id],
            metricTransformation: {
              name: controlMetric(control),
              namespace: SECURITY_NAMESPACE,
              value: String(control.weight),
              unit: "Count",
            },
          },
          { parent: this },
        ),
      );
    }
    const target = { topics: args.topics, opts: { parent: this } };
    const root = CIS_CONTROLS.find((c) => c.id === ROOT_CONTROL)!;
    const others = CIS_CONTROLS.filter((c) => c !== root);
    // No matching event, no data point: that is the quiet state (burstAlarm treats it so).
    this.alarms.push(
      burstAlarm(
        target,
        {
          name: `${args.app}-security-${root.id}`,
          level: 3,
          problem: `${root.problem} (${root.cis})`,
          runbook: securityRunbook(root, args.trail.logGroupName),
        },
        { namespace: SECURITY_NAMESPACE, metricName: ROOT_METRIC },
        1,
      ),
      burstAlarm(
        target,
        {
          name: `${args.app}-security-${SECURITY_EVENTS.id}`,
          level: SECURITY_EVENTS.level,
          problem: `Changement de sécurité ou rafale d'appels refusés dans le compte AWS (CIS ${others.map((c) => c.cis.replace(/^CIS ([\d.]+),.*$/, "$1")).join(", ")}).`,
          runbook: securityEventsRunbook(others, args.trail.logGroupName),
        },
        { namespace: SECURITY_NAMESPACE, metricName: SECURITY_EVENTS.metric },
        SECURITY_EVENTS.threshold,
      ),
    );
    this.registerOutputs({});
  }
}

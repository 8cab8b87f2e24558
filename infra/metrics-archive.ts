// "Métriques : 2 ans": the daily export (lambdas/metrics-export) as a table Athena can query.
// A Glue database and table over metrics/ of the logs bucket, partitioned by day with partition
// projection (no crawler, no MSCK REPAIR: a new day is queryable as soon as its object lands),
// and an Athena workgroup whose query results go to their own bucket, expired after a week.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LOG_PREFIXES } from "../lambdas/core/contract";
import type { BucketRef } from "./checklists";
import { denyInsecureTransport, policyDocument } from "./storage/policies";
import { secureBucket } from "./storage/secure-bucket";

export interface MetricsArchiveArgs {
  /** The logs bucket the export writes `metrics/YYYY/MM/DD/metrics.ndjson.gz` into. */
  logsBucket: BucketRef;
  /** The stack's key: encrypts the query results. */
  kmsKeyArn: pulumi.Input<string>;
  /** First day the projection offers. @default "2026-01-01" */
  firstDay?: string;
  /** Days Athena's query results are kept. @default 7 */
  resultsDays?: number;
}

/** The table's columns: one NDJSON line of ExportedPoint (lambdas/metrics-export/export.ts). */
export const METRICS_COLUMNS = [
  { name: "namespace", type: "string" },
  { name: "metric", type: "string" },
  { name: "dimensions", type: "map<string,string>" },
  { name: "stat", type: "string" },
  { name: "period", type: "int" },
  { name: "time", type: "string", comment: "ISO 8601 UTC: from_iso8601_timestamp(time)" },
  { name: "value", type: "double" },
];

export class MetricsArchive extends pulumi.ComponentResource {
  readonly database: aws.glue.CatalogDatabase;
  readonly table: aws.glue.CatalogTable;
  readonly workgroup: aws.athena.Workgroup;
  readonly resultsBucket: aws.s3.Bucket;

  constructor(name: string, args: MetricsArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:metrics-archive:MetricsArchive", name, {}, opts);
    // Glue names: lowercase letters, digits and underscores.
    const glueName = name.toLowerCase().replace(/[^a-z0-9_]/g, "_");
    this.database = new aws.glue.CatalogDatabase(
      `${name}-db`,
      { name: glueName, description: "elegance-ops : métriques exportées chaque jour (2 ans)" },
      { parent: this },
    );
    const location = pulumi.interpolate`s3://${args.logsBucket.name}/${LOG_PREFIXES.metrics}`;
    this.table = new aws.glue.CatalogTable(
      `${name}-table`,
      {
        name: "metrics",
        databaseName: this.database.name,
        tableType: "EXTERNAL_TABLE",
        description: "Un point CloudWatch par ligne (NDJSON gzip), partitionné par jour (dt = AAAA/MM/JJ)",
        partitionKeys: [{ name: "dt", type: "string" }],
        parameters: {
          classification: "json",
          "projection.enabled": "true",
          "projection.dt.type": "date",
          "projection.dt.format": "yyyy/MM/dd",
          "projection.dt.range": `${(args.firstDay ?? "2026-01-01").replace(/-/g, "/")},NOW`,
          "projection.dt.interval": "1",
          "projection.dt.interval.unit": "DAYS",
          "storage.location.template": pulumi.interpolate`${location}\${dt}/`,
        },
        storageDescriptor: {
          location,
          inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          serDeInfo: { serializationLibrary: "org.openx.data.jsonserde.JsonSerDe" },
          columns: METRICS_COLUMNS,
        },
      },
      { parent: this },
    );
    const results = secureBucket(`${name}-athena-results`, { kmsKeyArn: args.kmsKeyArn }, { parent: this });
    this.resultsBucket = results.bucket;
    // Like every bucket of the stack: plain HTTP and TLS older than 1.2 refused.
    new aws.s3.BucketPolicy(
      `${name}-athena-results-policy`,
      {
        bucket: results.bucket.id,
        policy: results.bucket.arn.apply((arn) => policyDocument(denyInsecureTransport(arn))),
      },
      { parent: this },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-athena-results-lifecycle`,
      {
        bucket: results.bucket.id,
        rules: [
          { id: "expire-query-results", status: "Enabled", filter: {}, expiration: { days: args.resultsDays ?? 7 } },
          {
            id: "abort-incomplete-uploads",
            status: "Enabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { parent: this },
    );
    this.workgroup = new aws.athena.Workgroup(
      `${name}-workgroup`,
      {
        name: glueName.replace(/_/g, "-"),
        description: "elegance-ops : requêtes sur les métriques exportées",
        forceDestroy: true,
        configuration: {
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          // A runaway query stops at 10 GB scanned (two years of metrics are far less).
          bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
          resultConfiguration: {
            outputLocation: pulumi.interpolate`s3://${results.bucket.bucket}/results/`,
            encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: args.kmsKeyArn },
          },
        },
      },
      { parent: this },
    );
    this.registerOutputs({ database: this.database.name, table: this.table.name, workgroup: this.workgroup.name });
  }
}

// Functions, their logs and their schedules: a supported runtime, a time limit, a 30-day
// encrypted log group, a failure that lands somewhere, schedules in the guide's time zone.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { label, linked, ofType, T } from "./lib";

/** Lambda's Node.js runtimes not deprecated (AWS Lambda › Runtimes, checked 2026-12). */
export const SUPPORTED_NODE_RUNTIMES = ["nodejs22.x", "nodejs24.x"];
export const LAMBDA_LOG_RETENTION_DAYS = 30;

export const computePolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  {
    name: "lambda-supported-runtime",
    description: `Every zip Lambda runs a supported Node.js runtime (${SUPPORTED_NODE_RUNTIMES.join(", ")}); images bring their own.`,
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      if (type !== T.lambda || props.packageType === "Image") return;
      if (!SUPPORTED_NODE_RUNTIMES.includes(props.runtime))
        report(`runtime ${props.runtime ?? "(none)"} is not one of ${SUPPORTED_NODE_RUNTIMES.join(", ")}`);
    },
  },
  {
    name: "lambda-timeout",
    description: "Every Lambda sets its timeout (1–900 s) instead of the 3 s default.",
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      if (type !== T.lambda) return;
      const t = props.timeout;
      if (!(Number.isInteger(t) && t >= 1 && t <= 900))
        report(`timeout ${t ?? "(unset, 3 s default)"}: set one between 1 and 900 seconds`);
    },
  },
  {
    name: "lambda-log-group-kms-30-days",
    description: `Every Lambda logs to a log group of this stack, KMS-encrypted, kept ${LAMBDA_LOG_RETENTION_DAYS} days.`,
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
      const groups = new Map(ofType(resources, T.logGroup).map((g) => [g.props.name, g]));
      for (const fn of ofType(resources, T.lambda)) {
        const name = fn.props.loggingConfig?.logGroup ?? `/aws/lambda/${fn.props.name}`;
        const group = groups.get(name);
        if (!group)
          report(
            `${label(fn)}: logs to ${name}, which is not a log group of this stack (set loggingConfig.logGroup to one)`,
          );
        else if (group.props.retentionInDays !== LAMBDA_LOG_RETENTION_DAYS || !group.props.kmsKeyId) {
          report(
            `${label(fn)}: log group ${name} keeps ${group.props.retentionInDays ?? "forever"} days, kmsKeyId ${group.props.kmsKeyId ? "set" : "unset"}; want ${LAMBDA_LOG_RETENTION_DAYS} days and the stack key`,
          );
        }
      }
    },
  },
  {
    name: "lambda-scheduled-on-failure-destination",
    description: "Every Lambda a schedule invokes (asynchronously) has an event-invoke on-failure destination.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
      const configs = ofType(resources, T.eventInvokeConfig).filter(
        (c) => c.props.destinationConfig?.onFailure?.destination,
      );
      for (const schedule of ofType(resources, T.schedule)) {
        for (const fn of linked(schedule, "target", T.lambda)) {
          const covered = configs.some(
            (c) =>
              linked(c, "functionName", T.lambda).some((f) => f.urn === fn.urn) ||
              c.props.functionName === fn.props.name,
          );
          if (!covered)
            report(
              `${label(fn)}: invoked by ${schedule.name} but has no FunctionEventInvokeConfig with destinationConfig.onFailure (a failed run would vanish after its retries)`,
            );
        }
      }
    },
  },
  {
    name: "schedule-timezone-retry-dlq",
    description: "Every schedule states its time zone, a retry policy and a dead-letter queue.",
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      if (type !== T.schedule) return;
      if (!props.scheduleExpressionTimezone) report("no scheduleExpressionTimezone (the guide's hours are Paris time)");
      if (!props.target?.retryPolicy) report("no target.retryPolicy");
      if (!props.target?.deadLetterConfig?.arn)
        report("no target.deadLetterConfig.arn (an invocation that fails every retry would be lost)");
    },
  },
  {
    name: "log-group-kms-retention",
    description: "Every CloudWatch log group is KMS-encrypted and has a retention.",
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      if (type !== T.logGroup) return;
      if (!props.kmsKeyId) report(`log group ${props.name}: no kmsKeyId`);
      if (!props.retentionInDays) report(`log group ${props.name}: no retentionInDays (kept forever)`);
    },
  },
];

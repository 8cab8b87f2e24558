// Runs the policy pack over a recorded plan (infra/plan.ts) the way the engine would: every
// resource through each validateResource, all of them through each validateStack, with the
// links the engine records as propertyDependencies rebuilt from the mocks' ids and ARNs.
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { Plan, PlannedResource } from "../../infra/plan";
import { POLICIES } from "../../policy/policies";

export interface Violation {
  policy: string;
  resource?: string;
  message: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** How a value names `r`: its mock id (`<name>-id`), or an ARN/name ending in its physical name. */
function referenceOf(r: PlannedResource): (v: string) => boolean {
  const physical = r.inputs.name ?? r.inputs.bucket;
  const tail = new RegExp(`(^|[:/])${physical ? escape(String(physical)) : `${escape(r.name)}-[0-9a-f]{7}`}(:\\*)?$`);
  return (v) => v === `${r.name}-id` || tail.test(v);
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

const urnOf = (r: PlannedResource) => `urn:pulumi:prod::elegance-ops::${r.type}::${r.name}`;

export function policyResources(plan: Plan): PolicyResource[] {
  const refs = plan.resources.map((r) => ({ r, names: referenceOf(r) }));
  const out: PolicyResource[] = plan.resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: urnOf(r),
    props: r.inputs,
    opts: {} as PolicyResource["opts"],
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  }));
  const byUrn = new Map(out.map((p) => [p.urn, p]));
  for (const [i, r] of plan.resources.entries()) {
    for (const [prop, value] of Object.entries(r.inputs)) {
      const vs = strings(value);
      const deps = refs
        .filter(({ r: other, names }) => other !== r && vs.some(names))
        .map(({ r: other }) => byUrn.get(urnOf(other))!);
      if (deps.length) {
        out[i].propertyDependencies[prop] = deps;
        out[i].dependencies.push(...deps);
      }
    }
  }
  return out;
}

export async function evaluate(plan: Plan, policies = POLICIES): Promise<Violation[]> {
  const resources = policyResources(plan);
  const violations: Violation[] = [];
  for (const policy of policies) {
    const resourcePolicy = policy as ResourceValidationPolicy;
    if (typeof resourcePolicy.validateResource === "function") {
      for (const r of resources) {
        const args = { ...r, getConfig: () => ({}), notApplicable: () => undefined } as any;
        await resourcePolicy.validateResource(args, (message) =>
          violations.push({ policy: policy.name, resource: r.name, message }),
        );
      }
    }
    const stackPolicy = policy as StackValidationPolicy;
    if (typeof stackPolicy.validateStack === "function") {
      const args = { resources, getConfig: () => ({}), notApplicable: () => undefined } as any;
      await stackPolicy.validateStack(args, (message, urn) =>
        violations.push({ policy: policy.name, resource: urn, message }),
      );
    }
  }
  return violations;
}

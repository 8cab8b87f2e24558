// The pack's rules, in one list: what `pulumi preview --policy-pack policy` runs and what
// test/policy evaluates over the mocked plan.
import type { Policies } from "@pulumi/policy";
import { accessPolicies } from "./access";
import { computePolicies } from "./compute";
import { storagePolicies } from "./storage";

export const POLICIES: Policies = [...storagePolicies, ...computePolicies, ...accessPolicies];

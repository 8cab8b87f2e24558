// The CrossGuard pack: `pulumi preview --policy-pack policy` (or `pulumi up --policy-pack policy`).
// Constructing the pack starts its server for the engine: tests import policies.ts instead.
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("elegance-ops", { policies: POLICIES });

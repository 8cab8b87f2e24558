// Turns zod issues into one line per problem: "<key>: <what was found>; expected <what>".
// The "expected" words come from the schema's docs; secret values are never quoted.
import { z } from "zod";
import { configPath, holdsSecret, PROJECT, secretFieldAt } from "./fields";
import { docs, FieldDoc, stackSchema } from "./schema";

type Issue = z.core.$ZodIssue;
type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
};
const defOf = (s: z.ZodType) => s._zod.def as unknown as Def;

/** Peels defaults, optionals and pipes off a schema, keeping the first doc met on the way. */
function unwrap(schema: z.ZodType): { node: z.ZodType; doc?: FieldDoc } {
  let node = schema;
  let doc = docs.get(node);
  for (;;) {
    const d = defOf(node);
    const next =
      d.type === "pipe"
        ? defOf(d.in!).type === "transform"
          ? d.out
          : d.in
        : ["default", "prefault", "optional", "nullable"].includes(d.type)
          ? d.innerType
          : undefined;
    if (!next) return { node, doc };
    node = next;
    doc = doc ?? docs.get(node);
  }
}

/** The schema at a config path (`["contacts", 0, "phone"]`), or undefined for keys the schema doesn't know. */
export function schemaAt(path: readonly PropertyKey[]): { node: z.ZodType; doc?: FieldDoc } | undefined {
  let here = unwrap(stackSchema);
  for (const segment of path) {
    const d = defOf(here.node);
    const child =
      d.type === "object" && typeof segment === "string"
        ? d.shape?.[segment]
        : d.type === "array"
          ? d.element
          : d.type === "record"
            ? d.valueType
            : undefined;
    if (!child) return undefined;
    here = unwrap(child);
  }
  return here;
}

export function keysAt(path: readonly PropertyKey[]): string[] {
  const node = schemaAt(path)?.node;
  const keys = node ? Object.keys(defOf(node).shape ?? {}) : [];
  return path.length === 0 ? keys.filter((k) => k !== "region") : keys;
}

/** `aws:region`, `elegance-ops:contacts[0].phone`. */
export function keyName(path: readonly PropertyKey[]): string {
  return path.length === 1 && path[0] === "region" ? "aws:region" : `${PROJECT}:${configPath(path)}`;
}

function expected(path: readonly PropertyKey[]): string {
  const at = schemaAt(path);
  if (at?.doc) return at.doc.expected;
  const type = at ? defOf(at.node).type : undefined;
  return type === "object"
    ? `an object with keys ${keysAt(path).join(", ")}`
    : type === "array"
      ? "a list"
      : "a valid value";
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** How the value is shown: quoted when harmless, never when it is or holds a secret. */
function shown(path: readonly PropertyKey[], value: unknown): string {
  if (secretFieldAt(path)) return "the secret value";
  if (holdsSecret(path) || typeof value === "object") return "the value";
  if (typeof value !== "string") return String(value);
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

function missing(path: readonly PropertyKey[]): string {
  const key = keyName(path);
  const secret = secretFieldAt(path);
  const example = secret?.example ?? schemaAt(path)?.doc?.example;
  if (!example) return `${key} is missing; expected ${expected(path)}`;
  const command =
    key === "aws:region"
      ? `pulumi config set aws:region ${example}`
      : `pulumi config set${secret ? " --secret" : ""} --path '${configPath(path)}' '${example}'`;
  return `${key} is missing: set it with  ${command}`;
}

export function formatIssue(issue: Issue): string[] {
  const path = issue.path;
  const key = keyName(path);
  const value = shown(path, issue.input);
  const want = () => `; expected ${expected(path)}`;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => `${keyName([...path, k])}: unknown key; known keys are ${keysAt(path).join(", ")}`);
    case "invalid_type":
      if (issue.input === undefined) return [missing(path)];
      if (issue.expected === "int" && typeof issue.input === "number")
        return [`${key}: ${value} is not a whole number${want()}`];
      return [`${key}: ${value} is ${typeName(issue.input)}${want()}`];
    case "too_small":
    case "too_big": {
      const isSize = issue.origin === "string" || issue.origin === "array";
      const what =
        issue.code === "too_big"
          ? isSize
            ? "too long"
            : "too large"
          : isSize
            ? issue.minimum === 1
              ? "empty"
              : "too short"
            : "too small";
      return [`${key}: ${value} is ${what}${want()}`];
    }
    case "invalid_value": {
      const sameType = issue.values.some((v) => typeof v === typeof issue.input);
      return [`${key}: ${value} is ${sameType ? "not allowed" : typeName(issue.input)}${want()}`];
    }
    case "invalid_format":
      return [`${key}: ${value} is not valid${want()}`];
    case "custom": {
      const bare = (issue.params as { bare?: boolean } | undefined)?.bare;
      return [`${key}: ${bare ? "" : `${value} `}${issue.message}`];
    }
    default:
      return [`${key}: ${issue.message}${want()}`];
  }
}

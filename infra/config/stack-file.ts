// Reads a Pulumi.<stack>.yaml into the form `pulumi.runtime.allConfig()` returns, so tests and
// the synth command validate the real stack file without the Pulumi CLI.
import { existsSync, readFileSync } from "fs";
import { parse, YAMLParseError } from "yaml";
import { PROJECT, secretFieldAt, SECRET_FIELDS } from "./fields";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isSecure = (v: unknown): boolean =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;

/** A stack file that is missing or is not YAML: the message names the file (and the line), no stack trace. */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

/** Reads a stack file as rawConfigFromStackFile does, saying which file and line when it cannot. */
export function readStackFile(file: string, placeholders: boolean): Record<string, string> {
  if (!existsSync(file)) throw new StackFileError(`${file}: no such stack file`);
  try {
    return rawConfigFromStackFile(readFileSync(file, "utf8"), placeholders);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      // yaml's message ends with an excerpt of the file (which may hold a secret): its first line only.
      throw new StackFileError(
        `${file}${at ? `:${at.line}:${at.col}` : ""}: not valid YAML: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
      );
    }
    throw error;
  }
}

/** `1 problem`, `3 problems`. */
export const problemCount = (n: number): string => `${n} problem${n === 1 ? "" : "s"}`;

/**
 * `{secure: <ciphertext>}` nodes cannot be decrypted here: with `placeholders` they become the
 * SecretField's example (and secret fields missing from the file are filled in the same way);
 * without, they are left out, so validation reports them as missing.
 */
export function rawConfigFromStackFile(yamlText: string, placeholders: boolean): Record<string, string> {
  const file = (parse(yamlText) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file.config ?? {})) {
    const [namespace, name] = key.includes(":")
      ? [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)]
      : ["", key];
    const path = namespace === PROJECT ? [name] : undefined;
    const resolved = resolveSecure(value, path, placeholders);
    if (resolved !== undefined) config[key] = resolved;
  }
  if (placeholders) {
    // A block's own secrets (vercel.token) only when the block is there: without it, nothing of it is made.
    const present = (block: string) => config[`${PROJECT}:${block}`] !== undefined;
    for (const field of SECRET_FIELDS.filter((f) => !f.optional && (!f.requiredWith || present(f.requiredWith)))) {
      const [top, ...rest] = field.path.replace(/\[\]/g, ".[]").split(".");
      fillMissing(config, [`${PROJECT}:${top}`, ...rest], field.example);
    }
  }
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    // allConfig() gives scalars as plain strings and objects/lists as JSON.
    raw[key] = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
  }
  return raw;
}

/** `path` is the config path inside the project namespace, undefined for other namespaces. */
function resolveSecure(value: unknown, path: PropertyKey[] | undefined, placeholders: boolean): Json | undefined {
  if (isSecure(value)) {
    if (!placeholders) return undefined;
    return (path && secretFieldAt(path)?.example) ?? "secret-placeholder";
  }
  if (Array.isArray(value)) {
    return value
      .map((v, i) => resolveSecure(v, path && [...path, i], placeholders))
      .filter((v): v is Json => v !== undefined);
  }
  if (typeof value === "object" && value !== null) {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = resolveSecure(v, path && [...path, k], placeholders);
      if (resolved !== undefined) out[k] = resolved;
    }
    return out;
  }
  return value as Json;
}

/** Sets `example` at `segments` ("[]" = every element) where nothing is set; creates missing objects, never list elements. */
function fillMissing(node: Record<string, unknown> | unknown[], segments: string[], example: string): void {
  const [head, ...rest] = segments;
  if (head === "[]") {
    if (Array.isArray(node))
      node.forEach((element) => isObject(element) && rest.length && fillMissing(element, rest, example));
    return;
  }
  if (Array.isArray(node)) return;
  if (rest.length === 0) {
    if (node[head] === undefined) node[head] = example;
    return;
  }
  if (node[head] === undefined && rest[0] !== "[]") node[head] = {};
  const child = node[head];
  if (isObject(child) || Array.isArray(child)) fillMissing(child, rest, example);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

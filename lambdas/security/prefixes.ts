// Where the security checks keep data between runs in the logs bucket: under the security
// prefix, so its retention applies (each run rewrites what it still uses, so nothing live expires).
import { LOG_PREFIXES } from "../core/contract";

/** OSV details by id and `modified`: one object, `<prefix>details.json`, read and rewritten by the weekly scan. */
export const OSV_CACHE_PREFIX = `${LOG_PREFIXES.security}osv-cache/`;

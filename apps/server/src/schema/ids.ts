// IDs in arguments: a Relay global ID as the API returns it, or the raw UUID (friendlier for scripts).
import { decodeGlobalID } from "@pothos/plugin-relay";
import { badInput } from "./errors.ts";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The types `node(id:)` loads: each keyed by a UUID. */
const NODE_TYPES = ["Run", "Sweep", "RunGroup"] as const;
type NodeType = (typeof NODE_TYPES)[number];

export function uuidFrom(typename: NodeType, id: string, field = "id"): string {
  if (UUID.test(id)) return id.toLowerCase();
  try {
    const global = decodeGlobalID(id);
    if (global.typename === typename && UUID.test(global.id)) return global.id.toLowerCase();
  } catch {}
  throw badInput(
    field,
    `${field} must be a ${typename} ID (as returned by the API) or a ${typename === "RunGroup" ? "group" : typename.toLowerCase()} UUID; got "${id}"`,
  );
}

/**
 * `node(id:)` and `nodes(ids:)`: an ID that does not decode, of another type than Run, Sweep or
 * RunGroup (an Epoch has no ID; "Query:x" names no node), or around something other than a UUID, is
 * the caller's mistake (BAD_USER_INPUT, as for `run(id:)`), not a server error.
 */
export function decodeNodeId(globalID: string): { typename: NodeType; id: string } {
  let decoded: { typename: string; id: string } | undefined;
  try {
    decoded = decodeGlobalID(globalID);
  } catch {}
  const typename = NODE_TYPES.find((t) => t === decoded?.typename);
  if (!decoded || !typename || !UUID.test(decoded.id))
    throw badInput("id", `id must be an ID returned by this API (a Run, Sweep or RunGroup ID); got "${globalID}"`);
  return { typename, id: decoded.id.toLowerCase() };
}

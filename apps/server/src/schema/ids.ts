// IDs in arguments: a Relay global ID as the API returns it, or the raw UUID (friendlier for scripts).
import { decodeGlobalID } from "@pothos/plugin-relay";
import { badInput } from "./errors.ts";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidFrom(typename: "Run" | "Sweep" | "RunGroup", id: string, field = "id"): string {
  if (UUID.test(id)) return id.toLowerCase();
  try {
    const global = decodeGlobalID(id);
    if (global.typename === typename && UUID.test(global.id)) return global.id;
  } catch {}
  throw badInput(
    field,
    `${field} must be a ${typename} ID (as returned by the API) or a ${typename === "RunGroup" ? "group" : typename.toLowerCase()} UUID; got "${id}"`,
  );
}

/**
 * `node(id:)` and `nodes(ids:)`: an ID that does not decode, or a Run, Sweep or RunGroup ID around something
 * other than a UUID, is the caller's mistake (BAD_USER_INPUT, as for `run(id:)`), not a server error.
 */
export function decodeNodeId(globalID: string): { typename: string; id: string } {
  let decoded: { typename: string; id: string } | undefined;
  try {
    decoded = decodeGlobalID(globalID);
  } catch {}
  if (!decoded?.typename || (["Run", "Sweep", "RunGroup"].includes(decoded.typename) && !UUID.test(decoded.id)))
    throw badInput("id", `id must be an ID returned by this API (a Run, Sweep or RunGroup ID); got "${globalID}"`);
  return decoded;
}

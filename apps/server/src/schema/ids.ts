// IDs in arguments: a Relay global ID as the API returns it, or the raw UUID (friendlier for scripts).
import { decodeGlobalID } from "@pothos/plugin-relay";
import { badInput } from "./errors.ts";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidFrom(typename: "Run" | "Sweep", id: string, field = "id"): string {
  if (UUID.test(id)) return id.toLowerCase();
  try {
    const global = decodeGlobalID(id);
    if (global.typename === typename && UUID.test(global.id)) return global.id;
  } catch {}
  throw badInput(
    field,
    `${field} must be a ${typename} ID (as returned by the API) or a ${typename.toLowerCase()} UUID; got "${id}"`,
  );
}

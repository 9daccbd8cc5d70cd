// An HTTP refusal outside GraphQL (a file route, a refused origin or host) in GraphQL's error shape,
// so that a client reads every refusal of this API the same way.
import type { ServerResponse } from "node:http";

export function jsonError(res: ServerResponse, status: number, message: string, code: string): void {
  res
    .writeHead(status, { "content-type": "application/json" })
    .end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

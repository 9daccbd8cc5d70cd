// The API server: GraphQL over HTTP (graphql-yoga) and over WebSocket (graphql-ws) on one port and
// path, plus the weights images as plain PNGs.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { execute, subscribe } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { createYoga } from "graphql-yoga";
import { WebSocketServer } from "ws";
import { createDb } from "./db/prisma.ts";
import { NotificationHub } from "./events/pgNotifications.ts";
import type { Context } from "./schema/builder.ts";
import { schema } from "./schema/index.ts";
import { reapDeadTrainers } from "./trainer/reaper.ts";

export interface AppOptions {
  databaseUrl: string;
  /** How long a trainer may be silent before its runs are failed; the API reaps too, in case no trainer is left. */
  trainerTimeoutMs?: number;
}

export interface App {
  /** Listens on `port` (0: any free port); resolves with the port. */
  start(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

const WEIGHTS_PATH = /^\/runs\/([0-9a-f-]{36})\/weights\.png$/;

export function buildApp({ databaseUrl, trainerTimeoutMs = 15_000 }: AppOptions): App {
  const db = createDb(databaseUrl, 10);
  const hub = new NotificationHub(databaseUrl);
  const context: Context = { db, hub };
  const yoga = createYoga<{ req: IncomingMessage; res: ServerResponse }>({
    schema,
    context: () => context,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: { subscriptionsProtocol: "WS" },
  });

  async function weights(id: string, res: ServerResponse) {
    const run = await db.run.findUnique({ where: { id }, select: { weightsPng: true } }).catch(() => null);
    if (!run?.weightsPng) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`no weights image for run ${id} yet`);
      return;
    }
    res.writeHead(200, {
      "content-type": "image/png",
      "cache-control": "no-cache",
      "access-control-allow-origin": "*",
    });
    res.end(run.weightsPng);
  }

  const server = createServer((req, res) => {
    const match = WEIGHTS_PATH.exec(new URL(req.url ?? "/", "http://x").pathname);
    if (match?.[1] && req.method === "GET") void weights(match[1], res);
    else void yoga(req, res);
  });

  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const wsServer = useServer(
    {
      execute: (args: unknown) => (args as { rootValue: { execute: typeof execute } }).rootValue.execute(args as never),
      subscribe: (args: unknown) =>
        (args as { rootValue: { subscribe: typeof subscribe } }).rootValue.subscribe(args as never),
      // The same plugins and context as HTTP (graphql-yoga's graphql-ws recipe).
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
  );

  let reaper: NodeJS.Timeout | undefined;
  return {
    start: (port, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          reaper = setInterval(
            () => void reapDeadTrainers(db, trainerTimeoutMs).catch(() => {}),
            Math.max(1000, trainerTimeoutMs / 3),
          );
          resolve((server.address() as AddressInfo).port);
        });
      }),
    async stop() {
      clearInterval(reaper);
      await wsServer.dispose();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await hub.close();
      await db.$disconnect();
    },
  };
}

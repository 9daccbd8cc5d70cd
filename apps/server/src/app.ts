// The API server: GraphQL over HTTP (graphql-yoga) and over WebSocket (graphql-ws) on one port and
// path, plus the weights images as plain PNGs. Every operation passes the same plugins either way:
// access control, then GraphQL Armor's limits on depth, aliases, tokens and cost.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { createDb } from "@trainql/db";
import { DEFAULT_PORTS } from "@trainql/env";
import { fileReadToken } from "@trainql/graphql/fileReadToken";
import { createRunPubSub, Reaper, type ReapPolicy } from "@trainql/runs";
import { DEFAULT_LEASE } from "@trainql/runs/env";
import { type execute, GraphQLError, type subscribe } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { createYoga, useReadinessCheck } from "graphql-yoga";
import getRawBody from "raw-body";
import { type WebSocket, WebSocketServer } from "ws";
import { createListCache, type ListCacheMetrics } from "./cache/listCache.ts";
import { localDashboard } from "./env.ts";
import { matchDownload, serveDownload } from "./exports/downloads.ts";
import { MISTAKE_PATH, serveMistakeImage } from "./exports/mistakeImage.ts";
import { serveWeightsImage, WEIGHTS_PATH } from "./exports/weightsImage.ts";
import { coalesceSends } from "./fanout/coalescedSends.ts";
import { type FanoutMetrics, useRunEventFanout } from "./fanout/useRunEventFanout.ts";
import { jsonError } from "./jsonError.ts";
import { type ApiLimits, DEFAULT_LIMITS } from "./limits.ts";
import type { Context } from "./schema/builder.ts";
import { maskUnexpected, rejectTooComplex, useVariableErrors } from "./schema/errors.ts";
import { schema } from "./schema/index.ts";
import { itemsOf } from "./schema/pagination.ts";
import {
  type AccessPolicy,
  accessOf,
  bearerToken,
  isOneOf,
  tokenFingerprint,
  useAccessControl,
} from "./security/access.ts";
import {
  csrfSafeContentType,
  FORBIDDEN_HOST_MESSAGE,
  FORBIDDEN_ORIGIN_MESSAGE,
  hostAllowed,
  type OriginPolicy,
  originAllowed,
} from "./security/browserOrigins.ts";
import { budgetPerExecution } from "./security/lossHistoryBudget.ts";
import { useQueryCost } from "./security/queryCost.ts";
import { RateLimiter } from "./security/rateLimiter.ts";

export interface AppOptions {
  databaseUrl: string;
  /** When a run is taken back from a silent trainer; the API reaps too, in case no trainer is left. */
  reapPolicy?: Partial<ReapPolicy>;
  access?: AccessPolicy;
  /** Origins of the pages (the dashboard) allowed to call the API from a browser. */
  origins?: OriginPolicy;
  limits?: Partial<ApiLimits>;
  /** How long a `runs` answer may be served from memory at most (cache/listCache.ts), in ms. */
  listCacheTtlMs?: number;
}

export interface App {
  /** Listens on `port` (0: any free port); resolves with the port. */
  start(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
  /** How runEvents subscriptions were served: shared executions, own ones, coalesced loss batches. */
  readonly fanout: FanoutMetrics;
  /** How `runs` queries were answered: from memory, or executed. */
  readonly listCache: ListCacheMetrics;
}

export function buildApp({
  databaseUrl,
  reapPolicy: givenPolicy = {},
  access = { tokens: [], publicQueries: true },
  origins = { allowedOrigins: localDashboard(DEFAULT_PORTS.dashboard) },
  limits: given = {},
  listCacheTtlMs = 1000,
}: AppOptions): App {
  const limits = { ...DEFAULT_LIMITS, ...given };
  const reapPolicy: ReapPolicy = {
    timeoutMs: DEFAULT_LEASE.timeoutMs,
    maxAttempts: DEFAULT_LEASE.maxAttempts,
    ...givenPolicy,
  };
  const db = createDb(databaseUrl, 10);
  const pubsub = createRunPubSub(databaseUrl);
  const rateLimiter = new RateLimiter(limits.startRate);
  const contextFor = (token: string | null): Context => {
    const level = accessOf(access, token);
    // A token of API_TOKEN has a rate and a share of the queue of its own; made-up ones, accepted
    // where none are configured, share one rate.
    const known = token !== null && isOneOf(access.tokens, token);
    const caller = known ? token : "anonymous";
    const queuedBy = known ? tokenFingerprint(token) : null;
    const lossHistoryBudget = budgetPerExecution(limits);
    return { db, pubsub, token, access: level, caller, queuedBy, rateLimiter, limits, reapPolicy, lossHistoryBudget };
  };

  // Results depend on the caller only through what an anonymous caller may not see (where the data
  // set lies, which host trainers run on): callers with a valid token and callers without one never
  // share a stream or an answer. Read-only and full tokens see the same.
  const viewer = (context: Context) => (context.access === "none" ? "anonymous" : "token");
  // Subscribers of a run with the same document and variables share one execution per event.
  const fanout = useRunEventFanout<Context>({
    viewer,
    // Set for operations over graphql-ws (onSubscribe below); SSE subscriptions have neither.
    connection: (context) => {
      const { socket, subscriptionId } = context as Context & Partial<{ socket: WebSocket; subscriptionId: string }>;
      return socket && subscriptionId ? { socket, id: subscriptionId } : null;
    },
  });
  // `runs` answers are kept until a run changes: the runs list's notices invalidate them.
  const listCache = createListCache<Context>({ rootFields: ["runs"], viewer, ttlMs: listCacheTtlMs });
  // (LISTEN takes effect once the database answers, which may be never: stop() does not wait for it.)
  let stopped = false;
  const runsChanges = pubsub.listen("trainql:runs").then((changes) => {
    if (stopped) return void changes.return(undefined);
    listCache.enable();
    void (async () => {
      for await (const _ of changes) listCache.invalidate();
    })();
    return changes;
  });
  runsChanges.catch(() => {}); // (rejects only when the app stops first)
  const yoga = createYoga<{ req: IncomingMessage; res: ServerResponse; token?: string | null }>({
    schema,
    context: ({ req, token }) => contextFor(token !== undefined ? token : bearerToken(req?.headers.authorization)),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // The server below reads each body, capped, before yoga sees it; yoga's own cap re-streamed
    // every request body through a TransformStream to count it again.
    maxRequestBodySize: false,
    maskedErrors: { maskError: maskUnexpected },
    cors: { origin: origins.allowedOrigins, credentials: true, methods: ["GET", "POST"] },
    graphiql: { subscriptionsProtocol: "WS" },
    // GET /health: the process answers (yoga's own); GET /ready: and its database does.
    healthCheckEndpoint: "/health",
    plugins: [
      useReadinessCheck({ endpoint: "/ready", check: () => db.$queryRaw`SELECT 1`.then(() => true) }),
      useVariableErrors(),
      useAccessControl(access),
      EnvelopArmorPlugin({
        maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, ...rejectTooComplex },
        maxAliases: { n: limits.maxAliases, ...rejectTooComplex },
        maxTokens: { n: limits.maxTokens }, // rejected while parsing: GRAPHQL_PARSE_FAILED
        // (The cost limit is checked below, with the variables' values.)
        costLimit: { enabled: false },
        // Field suggestions help people writing queries by hand; nothing here is secret.
        blockFieldSuggestion: { enabled: false },
      }),
      useQueryCost({ maxCost: limits.maxCost, itemsOf }),
      // Last: only operations every plugin above let through are answered from memory or join a shared stream.
      listCache.plugin,
      fanout,
    ],
  });

  /** Every token that may read (API_TOKEN's and API_READ_TOKEN's), and their stand-ins that file URLs carry (fileReadToken). */
  const readers = [...access.tokens, ...(access.readOnlyTokens ?? [])];
  const readTokens = readers.map(fileReadToken);

  /**
   * Files (images, downloads) are read as queries are: by anyone when queries are public, else with a
   * token. <img> tags and download links send no headers, so it may come as a parameter: the token's
   * read-only stand-in (`read_token`, what the dashboard puts in its links), or the token itself.
   */
  function mayRead(req: IncomingMessage, res: ServerResponse, what: string): boolean {
    if (access.tokens.length === 0 || access.publicQueries) return true;
    const params = new URL(req.url ?? "/", "http://x").searchParams;
    const token = params.get("access_token") ?? bearerToken(req.headers.authorization);
    if (isOneOf(readers, token) || isOneOf(readTokens, params.get("read_token"))) return true;
    jsonError(
      res,
      401,
      `${what} needs an API token (Authorization: Bearer …, or ?read_token=… as the dashboard's links carry)`,
      "UNAUTHENTICATED",
    );
    return false;
  }

  const server = createServer((req, res) => {
    // Every route: images and downloads are data too.
    if (!hostAllowed(origins, req.headers.host))
      return jsonError(res, 403, FORBIDDEN_HOST_MESSAGE(req.headers.host ?? ""), "FORBIDDEN_HOST");
    const url = new URL(req.url ?? "/", "http://x");
    const match = WEIGHTS_PATH.exec(url.pathname);
    if (match?.[1] && req.method === "GET") {
      if (mayRead(req, res, "this image")) void serveWeightsImage(db, match[1], url, res);
      return;
    }
    const mistake = MISTAKE_PATH.exec(url.pathname);
    if (mistake?.[1] && req.method === "GET") {
      if (mayRead(req, res, "this image")) void serveMistakeImage(db, mistake[1], Number(mistake[2]), res);
      return;
    }
    const download = req.method === "GET" ? matchDownload(url.pathname) : null;
    if (download) {
      if (mayRead(req, res, "this download")) void serveDownload(db, download, url, res);
      return;
    }
    const origin = req.headers.origin;
    if (!originAllowed(origins, origin, req.headers.host))
      return jsonError(res, 403, FORBIDDEN_ORIGIN_MESSAGE(origin ?? ""), "FORBIDDEN_ORIGIN");
    if (!csrfSafeContentType(req)) {
      return jsonError(
        res,
        415,
        `Send operations as JSON (content-type: application/json); got "${req.headers["content-type"] ?? ""}". Form and text bodies are refused: any web page can send those.`,
        "UNSUPPORTED_MEDIA_TYPE",
      );
    }
    if (req.method === "GET" || req.method === "HEAD") return void yoga(req, res);
    // The body is read here, at most maxBodyBytes of it, and handed to Yoga whole: a chunked body
    // carries no length to check first, and one over the limit gets the same 413 as a declared one.
    const declared = req.headers["content-length"];
    getRawBody(req, { limit: limits.maxBodyBytes, length: declared }).then(
      // (As a stream: handed a Buffer, @whatwg-node/server's check of it, Object.keys, made a string
      // of every byte, ~20 ms of blocked event loop a 100 kB body.)
      (body) => void yoga(Object.assign(req, { body: Readable.from([body]) }), res),
      (error: getRawBody.RawBodyError) => {
        if (error.type !== "entity.too.large") return void req.destroy();
        // (The rest of the body is not read: the connection closes once this is sent.)
        res.setHeader("connection", "close");
        jsonError(
          res,
          413,
          `The request body is ${declared ?? `over ${limits.maxBodyBytes}`} bytes; at most ${limits.maxBodyBytes} are accepted.`,
          "PAYLOAD_TOO_LARGE",
        );
      },
    );
  });

  const wss = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: limits.maxBodyBytes,
    // Browsers let any page open a WebSocket anywhere; only the Origin header tells them apart.
    verifyClient: ({ origin, req }, done) => {
      if (!hostAllowed(origins, req.headers.host))
        return done(false, 403, FORBIDDEN_HOST_MESSAGE(req.headers.host ?? ""));
      if (!originAllowed(origins, origin || undefined, req.headers.host))
        return done(false, 403, FORBIDDEN_ORIGIN_MESSAGE(origin));
      const open = connectionsFrom.get(req.socket.remoteAddress ?? "") ?? 0;
      if (open >= limits.maxConnectionsPerAddress)
        return done(
          false,
          429,
          `At most ${limits.maxConnectionsPerAddress} WebSocket connections may be open at once from one address; close one first.`,
        );
      done(true);
    },
  });
  /** Open WebSocket connections by remote address (see ApiLimits.maxConnectionsPerAddress). */
  const connectionsFrom = new Map<string, number>();
  wss.on("connection", (socket, request) => {
    const address = request.socket.remoteAddress ?? "";
    connectionsFrom.set(address, (connectionsFrom.get(address) ?? 0) + 1);
    socket.once("close", () => {
      const left = (connectionsFrom.get(address) ?? 1) - 1;
      if (left > 0) connectionsFrom.set(address, left);
      else connectionsFrom.delete(address);
    });
    // (Before graphql-ws' own listener: its first send comes later, but the socket is ready for it.)
    coalesceSends(socket, request.socket);
  });
  const subscriptionsOf = new WeakMap<object, number>();
  // No onNext hook or jsonMessageReplacer: shared runEvents results are written without graphql-ws
  // (fanout/directDelivery.ts), so one would not see them.
  const wsServer = useServer(
    {
      execute: (args: unknown) => (args as { rootValue: { execute: typeof execute } }).rootValue.execute(args as never),
      subscribe: (args: unknown) =>
        (args as { rootValue: { subscribe: typeof subscribe } }).rootValue.subscribe(args as never),
      // The same plugins and context as HTTP (graphql-yoga's graphql-ws recipe).
      onSubscribe: async (ctx, id, params) => {
        const count = subscriptionsOf.get(ctx.extra.socket) ?? 0;
        if (count >= limits.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(
              `At most ${limits.maxSubscriptionsPerConnection} operations may run at once on one connection.`,
              {
                extensions: { code: "TOO_MANY_SUBSCRIPTIONS" },
              },
            ),
          ];
        }
        // Counted before any await: operations on one connection arrive concurrently.
        subscriptionsOf.set(ctx.extra.socket, count + 1);
        const release = () =>
          subscriptionsOf.set(ctx.extra.socket, Math.max(0, (subscriptionsOf.get(ctx.extra.socket) ?? 1) - 1));
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          subscriptionId: id,
          params,
          token: bearerToken(ctx.connectionParams?.authorization),
        });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(params.query);
        } catch (error) {
          release();
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const args = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) {
          release();
          return errors;
        }
        return args;
      },
      onComplete: (ctx) => {
        subscriptionsOf.set(ctx.extra.socket, Math.max(0, (subscriptionsOf.get(ctx.extra.socket) ?? 1) - 1));
      },
    },
    wss,
  );

  let reaper: NodeJS.Timeout | undefined;
  return {
    fanout: fanout.metrics,
    listCache: listCache.metrics,
    start: (port, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          const interval = Math.max(1000, reapPolicy.timeoutMs / 3);
          const orphans = new Reaper(db, reapPolicy, interval, (line) => console.log(line));
          reaper = setInterval(
            () =>
              void orphans
                .tick()
                .catch((error: Error) => console.error(`reaper: ${error.message.split("\n")[0]} (retrying)`)),
            interval,
          );
          resolve((server.address() as AddressInfo).port);
        });
      }),
    async stop() {
      clearInterval(reaper);
      await wsServer.dispose();
      stopped = true;
      void runsChanges.then((changes) => changes?.return(undefined)).catch(() => {});
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pubsub.close();
      await db.$disconnect();
    },
  };
}

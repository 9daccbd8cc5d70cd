// A port nothing listens on now, from the kernel's ephemeral range. Fixed ports collide when two
// suites run on one machine at once (a developer's run beside CI's): a test then talks to the other
// suite's API.
import { createServer } from "node:net";

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

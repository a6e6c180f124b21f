// One server per suite: started before its tests, stopped after them; the clients and raw
// sockets a test opened are closed after it.

import { after, afterEach, before } from "node:test";
import { Clients } from "./client.mjs";
import { RawSockets } from "./raw.mjs";
import { startServer } from "./server.mjs";

/** Registers the hooks; the returned object has `server`, `clients` and `raw` once started. */
export function useServer(options = {}) {
  const ctx = { raw: new RawSockets() };
  before(async () => {
    ctx.server = await startServer(options);
    ctx.clients = new Clients(ctx.server.url);
  });
  afterEach(() => {
    if (ctx.clients) ctx.clients.closeAll();
    ctx.raw.closeAll();
  });
  after(() => ctx.server && ctx.server.stop());
  return ctx;
}

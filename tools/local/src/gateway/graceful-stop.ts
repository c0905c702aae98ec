import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { readFileSync } from "node:fs";
import { Server as NetServer, type AddressInfo, type Socket } from "node:net";

const LISTEN = "0A";

/**
 * How many connections wait in a listening server's accept queue, from Linux's /proc/net/tcp (a listening socket's
 * `rx_queue` is its accept queue); `undefined` elsewhere. No Node API tells, and no maintained package reads it.
 */
function pendingAccepts(server: Server): number | undefined {
  const address = server.address() as AddressInfo | null;
  if (!address) return undefined;
  const port = address.port.toString(16).toUpperCase().padStart(4, "0");
  let pending: number | undefined;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let lines: string[];
    try {
      lines = readFileSync(table, "utf8").split("\n").slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const [, local = "", , state, queues = ""] = line.trim().split(/\s+/);
      if (state !== LISTEN || !local.endsWith(`:${port}`)) continue;
      pending = (pending ?? 0) + Number.parseInt(queues.split(":")[1] ?? "0", 16);
    }
  }
  return pending;
}

/**
 * Stops an HTTP server without dropping a request a client has already sent. Node's own `server.close()` closes
 * the listener at once, which resets the connections still waiting in its backlog, and closes every connection
 * without a request in progress, including those whose request is still unread in the socket buffer: on a busy
 * machine that is every request sent a moment before Ctrl-C (they got ECONNRESET). Here the backlog is accepted
 * first, a connection that has not delivered a request yet gets `unreadGraceMs` to do so, and every request
 * received is answered (for at most the drain timeout) before the connections close.
 */
export class GracefulStop {
  readonly #connections = new Set<Socket>();
  /** Connections that have delivered at least one request (idle ones among them are only kept alive). */
  readonly #delivered = new WeakSet<Socket>();
  readonly #inFlight = new Set<ServerResponse>();
  #stopping = false;
  #wake: (() => void) | undefined;

  /**
   * Goes on the server before the listeners that answer. `ignores` names connections whose requests are answered
   * elsewhere (e.g. refused when they opened).
   */
  constructor(
    private readonly server: Server,
    private readonly options: { readonly unreadGraceMs: number; readonly ignores?: (socket: Socket) => boolean },
  ) {
    server.prependListener("connection", (socket: Socket) => {
      this.#connections.add(socket);
      socket.once("close", () => {
        this.#connections.delete(socket);
        this.#wake?.();
      });
    });
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      if (this.options.ignores?.(request.socket)) return;
      this.#delivered.add(request.socket);
      this.#inFlight.add(response);
      // While stopping, each answer is the connection's last.
      if (this.#stopping) response.shouldKeepAlive = false;
      response.once("close", () => {
        this.#inFlight.delete(response);
        this.#wake?.();
      });
    });
  }

  /** @returns how many requests were still unanswered when the drain timeout cut them off */
  async stop(drainTimeoutMs: number): Promise<{ readonly cutOff: number }> {
    this.#stopping = true;
    const stopAt = Date.now();
    for (const response of this.#inFlight) response.shouldKeepAlive = false;
    // Connections the kernel completed before now wait in the listen backlog; closing the listener would reset them.
    // They are accepted a few at a time between other work: wait until the backlog is empty (at most the grace).
    for (let turn = 0; turn < 2 || (pendingAccepts(this.server) ?? 0) > 0; turn++) {
      if (Date.now() - stopAt >= this.options.unreadGraceMs) break;
      await new Promise((resolve) => setTimeout(resolve, turn < 2 ? 0 : 5));
    }
    // Only the listener: http.Server#close would also close the connections whose request is not read yet.
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(this.server, () => resolve()));

    const started = stopAt;
    for (;;) {
      const busy = new Set([...this.#inFlight].map((response) => response.socket));
      const unreadGraceOver = Date.now() - started >= this.options.unreadGraceMs;
      for (const socket of this.#connections) {
        if (busy.has(socket)) continue;
        // Kept alive after its answers (closed as Node's closeIdleConnections does), or never delivered a request in its grace.
        if (this.#delivered.has(socket) || unreadGraceOver) socket.destroy();
      }
      if (this.#connections.size === 0 || Date.now() - started >= drainTimeoutMs) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#wake = undefined;
    const cutOff = this.#inFlight.size;
    for (const socket of this.#connections) socket.destroy();
    await closed;
    // Also ends Node's periodic header and request timeout checks (the listener is already closed).
    this.server.close();
    return { cutOff };
  }
}

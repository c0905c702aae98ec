import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * An HTTP proxy in front of an AWS endpoint that can lose answers: while a
 * target (`X-Amz-Target`, e.g. `DynamoDB_20120810.TransactWriteItems`) is
 * withheld, its requests still reach the service (the write lands) but the
 * caller never gets the answer, as when a function times out after its write.
 */
export class WithholdingProxy {
  /** Targets whose answers are withheld. */
  readonly withheld = new Set<string>();
  /** How many requests of each target reached the service while withheld. */
  readonly landedWhileWithheld = new Map<string, number>();
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;

  constructor(private readonly upstream: string) {
    this.#server = createServer((request, response) => void this.#handle(request, response));
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers["x-amz-target"] ?? "");
    const withhold = this.withheld.has(target);
    const upstream = new URL(this.upstream);
    const outgoing = httpRequest(
      { hostname: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
      (incoming) => {
        if (withhold) {
          incoming.resume();
          incoming.on("end", () => this.landedWhileWithheld.set(target, (this.landedWhileWithheld.get(target) ?? 0) + 1));
          return;
        }
        response.writeHead(incoming.statusCode ?? 502, incoming.rawHeaders);
        incoming.pipe(response);
      },
    );
    outgoing.on("error", () => response.destroy());
    outgoing.end(Buffer.concat(chunks));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

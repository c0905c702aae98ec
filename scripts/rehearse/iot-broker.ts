import path from "node:path";
import { fileURLToPath } from "node:url";
import { generate, parser, type IPublishPacket, type ISubscribePacket, type Packet } from "mqtt-packet";
import { WebSocketServer, type WebSocket } from "ws";

/**
 * SST publishes `sst dev` notifications (e.g. `config.secret.updated` from `sst secrets set`) to AWS IoT
 * over MQTT on a WebSocket, and waits for the broker's acknowledgement. moto has no MQTT endpoint, and
 * SST's IoT client has no endpoint setting: this broker stands in for IoT, and the preload below points
 * SST's client at it.
 */
export const IOT_PRELOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), "sst-iot-endpoint.cjs");

export interface IotMessage {
  readonly topic: string;
  readonly payload: string;
}

export interface IotBroker {
  /** `ws://127.0.0.1:<port>`, what the preload connects SST's IoT client to. */
  readonly endpoint: string;
  readonly messages: readonly IotMessage[];
  stop(): Promise<void>;
}

/** A minimal MQTT 3.1.1 broker over WebSocket: connect, subscribe, publish (QoS 0 and 1), ping. */
export async function startIotBroker(): Promise<IotBroker> {
  const messages: IotMessage[] = [];
  const subscriptions = new Map<WebSocket, string[]>();
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));

  const matches = (filter: string, topic: string) =>
    new RegExp(`^${filter.replace(/[.^$()|[\]\\]/g, "\\$&").replace(/\+/g, "[^/]+").replace(/#$/, ".*")}$`).test(topic);

  server.on("connection", (socket) => {
    const incoming = parser({ protocolVersion: 4 });
    const send = (packet: Packet) => socket.send(generate(packet));
    subscriptions.set(socket, []);
    incoming.on("packet", (packet: Packet) => {
      switch (packet.cmd) {
        case "connect":
          send({ cmd: "connack", returnCode: 0, sessionPresent: false });
          break;
        case "subscribe": {
          const { messageId, subscriptions: requested } = packet as ISubscribePacket;
          subscriptions.get(socket)?.push(...requested.map((entry) => entry.topic));
          send({ cmd: "suback", messageId, granted: requested.map((entry) => Math.min(entry.qos, 1)) });
          break;
        }
        case "publish": {
          const publish = packet as IPublishPacket;
          messages.push({ topic: publish.topic, payload: publish.payload.toString() });
          if (publish.qos > 0 && publish.messageId !== undefined) send({ cmd: "puback", messageId: publish.messageId });
          for (const [subscriber, filters] of subscriptions) {
            if (filters.some((filter) => matches(filter, publish.topic))) {
              subscriber.send(generate({ cmd: "publish", topic: publish.topic, payload: publish.payload, qos: 0, dup: false, retain: false }));
            }
          }
          break;
        }
        case "pingreq":
          send({ cmd: "pingresp" });
          break;
        case "disconnect":
          socket.close();
          break;
        default:
          break;
      }
    });
    socket.on("message", (data: Buffer) => incoming.parse(data));
    socket.on("close", () => subscriptions.delete(socket));
  });

  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `ws://127.0.0.1:${port}`,
    messages,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

/** The environment that makes SST's IoT client (in any process started with it) talk to `broker`. */
export const iotEnvironment = (broker: IotBroker, environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...environment,
  NODE_OPTIONS: [environment.NODE_OPTIONS, `--require ${IOT_PRELOAD}`].filter(Boolean).join(" "),
  REHEARSAL_IOT_ENDPOINT: broker.endpoint,
});

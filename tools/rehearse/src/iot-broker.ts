import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Aedes } from "aedes";
import { WebSocketServer, createWebSocketStream } from "ws";

/**
 * AWS IoT as `sst dev` uses it: MQTT over a TLS WebSocket (`wss://<data endpoint>/mqtt`, signed with
 * SigV4). The CLI publishes its notifications there (`config.secret.updated` from `sst secrets set`,
 * `function.success` from `sst dev`), and each Live Lambda stub publishes its invocations there and waits
 * for the answer. moto serves no MQTT: aedes (a maintained MQTT broker) behind a TLS WebSocket on the
 * loopback stands in for it. The emulator describes it as IoT's data endpoint (moto/rehearsal_moto/iot.py),
 * and `NODE_EXTRA_CA_CERTS` makes the processes that connect trust its self-signed certificate; nothing
 * in SST's code changes. The broker does not check the signature (there is no account to check it against).
 */
export interface IotMessage {
  readonly topic: string;
  readonly payload: string;
  /** The MQTT client id of the publisher. */
  readonly clientId: string;
}

export interface IotBroker {
  /** `127.0.0.1:<port>`: what the emulator answers to IoT `DescribeEndpoint`. */
  readonly dataEndpoint: string;
  /** The broker's certificate (PEM), for `NODE_EXTRA_CA_CERTS`. */
  readonly certificateFile: string;
  readonly messages: readonly IotMessage[];
  stop(): Promise<void>;
}

const MQTT_SUBPROTOCOLS = ["mqtt", "mqttv3.1"];

/** A certificate for 127.0.0.1, made with OpenSSL, valid for a day. */
function selfSignedCertificate(dir: string): { keyFile: string; certificateFile: string } {
  mkdirSync(dir, { recursive: true });
  const keyFile = path.join(dir, "iot-broker.key.pem");
  const certificateFile = path.join(dir, "iot-broker.cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=users-api rehearsal IoT",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      keyFile,
      "-out",
      certificateFile,
    ],
    { stdio: "ignore" },
  );
  return { keyFile, certificateFile };
}

/** Starts the broker on a free loopback port; its certificate goes into `dir`. */
export async function startIotBroker(dir: string): Promise<IotBroker> {
  const { keyFile, certificateFile } = selfSignedCertificate(dir);
  const broker = await Aedes.createBroker();
  const messages: IotMessage[] = [];
  broker.on("publish", (packet, client) => {
    // The broker's own $SYS announcements have no client.
    if (client) messages.push({ topic: packet.topic, payload: packet.payload.toString(), clientId: client.id });
  });
  const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certificateFile) });
  // AWS IoT takes the MQTT subprotocols: aws-iot-device-sdk (SST's CLI and its stub) asks for `mqttv3.1`.
  const sockets = new WebSocketServer({
    server,
    path: "/mqtt",
    handleProtocols: (protocols) => [...protocols].find((protocol) => MQTT_SUBPROTOCOLS.includes(protocol)) ?? false,
  });
  sockets.on("connection", (socket, request) => broker.handle(createWebSocketStream(socket), request));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    dataEndpoint: `127.0.0.1:${port}`,
    certificateFile,
    messages,
    stop: async () => {
      for (const socket of sockets.clients) socket.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

/** The environment that makes a process (the SST CLI, a Live Lambda stub) trust the broker's certificate. */
export const iotEnvironment = (broker: IotBroker, environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...environment,
  NODE_EXTRA_CA_CERTS: broker.certificateFile,
});

/**
 * The runtime inside one execution environment (a child process whose
 * environment is exactly the function's): loads the handler the way the
 * Node.js managed runtime does (`LAMBDA_TASK_ROOT` + `_HANDLER`), then serves
 * one invocation at a time for the gateway. Bundled on its own; imports
 * nothing of the project.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { format } from "node:util";
import type { Context } from "aws-lambda";
import { toLambdaError, type InvokeMessage, type LambdaError, type RuntimeMessage } from "./protocol.js";

type Handler = (event: unknown, context: Context, callback: (error?: unknown, result?: unknown) => void) => unknown;

const send = (message: RuntimeMessage) => process.send?.(message);

let currentRequestId: string | undefined;

/** Lambda prefixes console output with time, request id and level; Powertools writes its JSON lines around this. */
function patchConsole() {
  const levels = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG", trace: "TRACE" } as const;
  for (const [method, level] of Object.entries(levels)) {
    console[method as keyof typeof levels] = (...args: unknown[]) => {
      process.stdout.write(`${new Date().toISOString()}\t${currentRequestId ?? "undefined"}\t${level}\t${format(...args)}\n`);
    };
  }
}

/** `dir/file.export` → module file under the task root, and the export's name. */
async function loadHandler(): Promise<Handler> {
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const spec = process.env._HANDLER ?? "";
  const slash = spec.lastIndexOf("/");
  const dot = spec.indexOf(".", slash + 1);
  if (dot < 0) throw Object.assign(new Error(`Bad handler ${spec}: expected file.export`), { name: "Runtime.MalformedHandlerName" });
  const modulePath = spec.slice(0, dot);
  const exportPath = spec.slice(dot + 1).split(".");
  const file = [".js", ".mjs", ".cjs"].map((extension) => join(taskRoot, modulePath + extension)).find(existsSync);
  if (!file) throw Object.assign(new Error(`Cannot find module '${modulePath}'`), { name: "Runtime.ImportModuleError" });
  let found: unknown = await import(pathToFileURL(file).href);
  for (const part of exportPath) found = (found as Record<string, unknown> | undefined)?.[part];
  if (typeof found !== "function") {
    throw Object.assign(new Error(`${modulePath}.${exportPath.join(".")} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
  }
  return found as Handler;
}

/** Runs a handler in any of Lambda's styles: async, promise-returning or callback. */
function invokeHandler(handler: Handler, event: unknown, context: Context): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback = (error?: unknown, result?: unknown) => (error == null ? resolve(result) : reject(error));
    Object.assign(context, { done: callback, succeed: (result: unknown) => resolve(result), fail: (error: unknown) => reject(error) });
    const returned = handler(event, context, callback);
    if (returned !== null && typeof returned === "object" && typeof (returned as Promise<unknown>).then === "function") {
      (returned as Promise<unknown>).then(resolve, reject);
    } else if (handler.length < 3) {
      resolve(returned);
    }
  });
}

function contextFor(message: InvokeMessage): Context {
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? "",
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? "$LATEST",
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "128",
    awsRequestId: message.requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? "",
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? "",
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function logInvokeError(error: LambdaError) {
  console.error("Invoke Error", JSON.stringify(error));
}

/** An error outside any handler call ends the environment, as it ends Lambda's. */
function failEnvironment(reason: unknown, errorType: string) {
  const error = toLambdaError(reason, errorType);
  logInvokeError(error);
  if (currentRequestId) send({ type: "error", requestId: currentRequestId, error: { ...error, errorType } });
  process.exitCode = 1;
  setImmediate(() => process.exit(1));
}

async function main() {
  patchConsole();
  // The gateway going away (even killed) closes the channel: nothing should outlive it.
  process.on("disconnect", () => process.exit(0));
  process.on("uncaughtException", (error) => failEnvironment(error, "Runtime.UncaughtException"));
  process.on("unhandledRejection", (reason) => failEnvironment(reason, "Runtime.UnhandledPromiseRejection"));

  let handler: Handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const lambdaError = toLambdaError(error, "Runtime.ImportModuleError");
    logInvokeError(lambdaError);
    send({ type: "init-error", error: lambdaError });
    return;
  }

  process.on("message", (message: InvokeMessage) => {
    if (message.type !== "invoke") return;
    currentRequestId = message.requestId;
    process.env._X_AMZN_TRACE_ID = message.traceId;
    const reply = (result: RuntimeMessage) => send(result);
    invokeHandler(handler, JSON.parse(message.event), contextFor(message)).then(
      (result) => {
        let payload: string;
        try {
          payload = JSON.stringify(result) ?? "null";
        } catch (error) {
          const lambdaError = toLambdaError(error, "Runtime.MarshalError");
          logInvokeError(lambdaError);
          reply({ type: "error", requestId: message.requestId, error: { ...lambdaError, errorType: "Runtime.MarshalError" } });
          return;
        }
        reply({ type: "result", requestId: message.requestId, payload });
      },
      (error: unknown) => {
        const lambdaError = toLambdaError(error);
        logInvokeError(lambdaError);
        reply({ type: "error", requestId: message.requestId, error: lambdaError });
      },
    );
  });
  send({ type: "ready" });
}

void main();

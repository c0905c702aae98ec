import { Tracer } from "@aws-lambda-powertools/tracer";

/**
 * Powertools Tracer, built at import. Loading it when the first sampled invocation writes a trace was measured
 * and not kept (bench/README.md, "Tracing"): from a chunk of its own, init saved 5–8 ms of CPU and the sampled
 * first invocation paid 14–19 ms more; by require() from the handler's chunk, 1–7 ms saved and 7–9 ms more.
 * At low traffic nearly every cold request is sampled, so what a user waits for would not shrink.
 */
const tracer = new Tracer();

/**
 * Makes every call of `client` a subsegment of the invocation's trace (Powertools' `captureAWSv3Client`).
 *
 * @example
 * const client = traceAwsClient(new DynamoDBClient(awsClientConfig));
 */
export const traceAwsClient = <Client extends Parameters<Tracer["captureAWSv3Client"]>[0]>(client: Client): Client => tracer.captureAWSv3Client(client);

/**
 * The tracer an invocation writes its trace with. A function, not the instance, so the init benchmark can
 * swap in other ways of loading it (bench/levers.ts) without touching the handlers.
 */
export const tracerForInvocation = (): Tracer | Promise<Tracer | undefined> | undefined => tracer;

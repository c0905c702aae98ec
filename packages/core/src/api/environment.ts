import { functionDefaults, type LogLevel } from "./function-defaults.js";

/**
 * Environment of every function: the stacks set it on AWS and the local
 * runner sets the same, so Powertools and CORS behave alike in both. No
 * `NODE_OPTIONS=--enable-source-maps`: Node would parse every source map at
 * init; the logger maps a logged error's stack instead, when it is logged.
 */
export function functionEnvironment(options: { readonly logLevel: LogLevel; readonly corsAllowOrigin: string }): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: functionDefaults.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: functionDefaults.metricsNamespace,
    POWERTOOLS_LOG_LEVEL: options.logLevel,
    // Every outgoing call is an AWS SDK call, traced as such (captureAWSv3Client); patching http, https
    // and fetch for other calls would trace nothing more, at a cost to init (tools/bench/README.md).
    POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: "false",
    // The one browser origin allowed by the stage; handlers echo it so browsers accept their answers.
    CORS_ALLOW_ORIGIN: options.corsAllowOrigin,
  };
}

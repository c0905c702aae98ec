import * as xray from "aws-cdk-lib/aws-xray";
import type { Stack } from "sst/constructs";
import type { TracingSettings } from "./stage-settings.js";

/** X-Ray's default rule has priority 10000; a lower number is matched first. */
const SAMPLING_RULE_PRIORITY = 1000;
const RULE_NAME_MAX = 32;

/**
 * The X-Ray sampling rule of the stage's API. API Gateway applies sampling
 * rules at the edge and passes its decision on in the trace header; the
 * functions (active tracing) follow it, so one rule decides what every trace
 * of a request costs. X-Ray's default rule (1 a second, then 5 %) would
 * record nearly every request of a quiet API.
 */
export function apiSamplingRule(stack: Stack, props: { readonly restApiName: string; readonly stage: string; readonly tracing: TracingSettings }) {
  return new xray.CfnSamplingRule(stack, "ApiSamplingRule", {
    samplingRule: {
      ruleName: `${props.stage}-users-api`.slice(0, RULE_NAME_MAX),
      priority: SAMPLING_RULE_PRIORITY,
      reservoirSize: props.tracing.reservoirPerSecond,
      fixedRate: props.tracing.fixedRatePercent / 100,
      // API Gateway reports REST API stages as "<api name>/<stage>".
      serviceName: `${props.restApiName}/${props.stage}`,
      serviceType: "AWS::ApiGateway::Stage",
      host: "*",
      httpMethod: "*",
      urlPath: "*",
      resourceArn: "*",
      version: 1,
    },
  });
}

import { render } from "./cfn.js";
import type { CfnResource } from "./synthesis.js";

/**
 * What API Gateway needs to call a Lambda integration: an `AWS::Lambda::Permission` on the very function (or
 * alias) the integration's URI invokes, for `apigateway.amazonaws.com`, whose SourceArn covers this method and
 * path on the deployed stage (not only the console's test-invoke stage). Without it the route answers 500 on AWS,
 * and neither synthesis nor CloudFormation complains.
 */

/** The logical id an integration or authorizer URI invokes: `…/functions/{GetUserLiveAlias1234}/invocations`. */
const invokedTarget = (uri: unknown) => render(uri).match(/\/functions\/\{([^}.]+)[^}]*\}\/invocations/)?.[1];

/** An execute-api source ARN pattern (`*` matches anything, as IAM wildcards do) covers the given ARN tail. */
const covers = (pattern: string, tail: string) =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(tail);

/** The part of a rendered execute-api ARN after the API id: `{Stage}/GET/users/*`. */
const afterApi = (sourceArn: string, restApiId: string) => sourceArn.split(`{${restApiId}}/`)[1];

export interface ApiMethodView {
  readonly httpMethod: string;
  readonly path: string;
  readonly method: CfnResource;
}

/**
 * One line per method (and authorizer) whose Lambda integration has no matching invoke permission; empty when
 * every integration can be invoked.
 */
export function missingInvokePermissions(resources: Record<string, CfnResource>, methods: readonly ApiMethodView[]): string[] {
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const [restApiId] = ofType("AWS::ApiGateway::RestApi")[0] ?? [];
  const [stageId] = ofType("AWS::ApiGateway::Stage")[0] ?? [];
  if (!restApiId || !stageId) return ["the Api stack has no REST API or no stage"];
  const permissions = ofType("AWS::Lambda::Permission")
    .map(([, permission]) => permission.Properties ?? {})
    .filter((properties) => properties.Principal === "apigateway.amazonaws.com" && properties.Action === "lambda:InvokeFunction")
    .map((properties) => ({
      target: render(properties.FunctionName).replace(/^\{([^}.]+)\}$/, "$1"),
      source: afterApi(render(properties.SourceArn), restApiId),
    }));
  const allowed = (target: string, tail: string) =>
    permissions.some((permission) => permission.target === target && permission.source !== undefined && covers(permission.source, tail));

  const problems: string[] = [];
  for (const { httpMethod, path, method } of methods) {
    const integration = method.Properties?.Integration as { Type?: string; Uri?: unknown } | undefined;
    if (integration?.Type !== "AWS_PROXY" && integration?.Type !== "AWS") continue;
    const target = invokedTarget(integration.Uri);
    const tail = `{${stageId}}/${httpMethod}${path.replace(/\{[^}]+\}/g, "*")}`;
    if (!target) problems.push(`${httpMethod} ${path}: its integration invokes no Lambda function CloudFormation can resolve (${render(integration.Uri)})`);
    else if (!allowed(target, tail))
      problems.push(
        `${httpMethod} ${path}: no AWS::Lambda::Permission lets API Gateway invoke ${target} (the function or alias its integration calls) for ${httpMethod} ${path} on the stage`,
      );
  }
  for (const [authorizerId, authorizer] of ofType("AWS::ApiGateway::Authorizer")) {
    const target = invokedTarget(authorizer.Properties?.AuthorizerUri);
    if (target && !allowed(target, `authorizers/{${authorizerId}}`))
      problems.push(`authorizer ${authorizerId}: no AWS::Lambda::Permission lets API Gateway invoke ${target}`);
  }
  return problems;
}

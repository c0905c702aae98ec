import { RemovalPolicy } from "aws-cdk-lib";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { gatewayProblem, gatewayResponses, methodNotAllowed, type GatewayResponseType } from "../../packages/core/src/api/gateway-responses.js";
import { authorizer, functionDefaults, functionEnvironment, requestBodyMediaTypes, routeList } from "../../packages/core/src/api/routes.js";
import { retentionDays, stageSettings } from "../../stacks/stage-settings.js";
import { apiResources } from "./helpers/api-template.js";
import { render } from "./helpers/cfn.js";
import { missingInvokePermissions } from "./helpers/invoke-permissions.js";
import { single, stages, synthesizeBeforeAll, synthesized, type CfnResource } from "./helpers/synthesis.js";

/** Only the code of bundled functions is real; unbundled syntheses give functions placeholder code. */
const bundled = { bundle: true } as const;
/** prod is bundled once for the whole file: its code is read below. */
const optionsFor = (stage: string) => (stage === "prod" ? bundled : {});

/** The stage's (not the test-invoke stage's) permission of GET /users/{userId}, as CDK names it. */
const isGetUserStagePermission = (id: string) => /^ApiusersuserIdGETApiPermission(?!Test)/.test(id);
const listUsersAliasId = (permissions: [string, CfnResource][]) =>
  render(permissions.find(([id]) => /^ApiusersGETApiPermission(?!Test)/.test(id))?.[1].Properties?.FunctionName).slice(1, -1);

/** API Gateway gives up on an integration after 29 seconds. */
const API_GATEWAY_TIMEOUT_SECONDS = 29;

describe.each(stages)("the Api stack of %s", (stage) => {
  synthesizeBeforeAll(stage, optionsFor(stage));
  const settings = stageSettings(stage);
  const api = async () => apiResources(await synthesized(stage, optionsFor(stage)));

  it("serves exactly the defined routes from a regional REST API named after the stage", async () => {
    const { only, methods, routes } = await api();
    const [, restApi] = only("AWS::ApiGateway::RestApi");
    expect(restApi.Properties?.Name).toBe(`${stage}-users-api-Api`);
    expect(restApi.Properties?.EndpointConfiguration).toEqual({ Types: ["REGIONAL"] });
    const served = methods.filter(({ httpMethod }) => httpMethod !== "OPTIONS" && httpMethod !== "ANY");
    expect(served.map(({ httpMethod, path }) => `${httpMethod} ${path}`).sort()).toEqual(routeList.map(({ method, path }) => `${method} ${path}`).sort());
    expect(routes).toHaveLength(routeList.length);
  });

  it("passes JSON request bodies to the functions as the bytes sent (binary media types), so invalid UTF-8 can be refused", async () => {
    const { only } = await api();
    const [, restApi] = only("AWS::ApiGateway::RestApi");
    expect(restApi.Properties?.BinaryMediaTypes).toEqual([...requestBodyMediaTypes]);
  });

  it("integrates every route with the live alias of its own function's current version", async () => {
    const { routes, resources } = await api();
    for (const { route, method, functionId, aliasId, alias } of routes) {
      expect(alias, route.id).toBeDefined();
      expect(alias?.Properties?.Name).toBe("live");
      expect(method.Properties?.Integration).toMatchObject({ Type: "AWS_PROXY" });
      expect(render((method.Properties!.Integration as { Uri: unknown }).Uri)).toContain(`/functions/{${aliasId}}/invocations`);
      const version = render(alias?.Properties?.FunctionVersion).match(/^\{(\w+)\.Version\}$/)?.[1];
      expect(resources[version ?? ""]).toMatchObject({
        Type: "AWS::Lambda::Version",
        Properties: { FunctionName: { Ref: functionId } },
      });
    }
  });

  it("lets API Gateway invoke the live aliases only, never a function's $LATEST", async () => {
    const { ofType, functions } = await api();
    const aliasIds = functions.map(({ aliasId }) => `{${aliasId}}`);
    const invokers = ofType("AWS::Lambda::Permission").filter(([, permission]) => permission.Properties?.Principal === "apigateway.amazonaws.com");
    expect(invokers.length).toBeGreaterThanOrEqual(routeList.length + 1);
    for (const [, permission] of invokers) {
      expect(aliasIds).toContain(render(permission.Properties?.FunctionName));
    }
  });

  it("has, for every method's Lambda integration and the authorizer, a Lambda::Permission on the alias it invokes for that method and path", async () => {
    const { resources, methods } = await api();
    expect(missingInvokePermissions(resources, methods)).toEqual([]);
  });

  it.each([
    ["removed", (permissions: [string, CfnResource][]) => Object.fromEntries(permissions.filter(([id]) => !isGetUserStagePermission(id)))],
    [
      "granted on another route's alias",
      (permissions: [string, CfnResource][]) =>
        Object.fromEntries(
          permissions.map(([id, permission]) =>
            isGetUserStagePermission(id)
              ? [id, { ...permission, Properties: { ...permission.Properties, FunctionName: { Ref: listUsersAliasId(permissions) } } }]
              : [id, permission],
          ),
        ),
    ],
  ])("the permission check names the route when GET /users/{userId}'s invoke permission is %s", async (_, breakIt) => {
    const { resources, methods } = await api();
    const permissions = Object.entries(resources).filter(([, resource]) => resource.Type === "AWS::Lambda::Permission");
    const others = Object.fromEntries(Object.entries(resources).filter(([, resource]) => resource.Type !== "AWS::Lambda::Permission"));

    const problems = missingInvokePermissions({ ...others, ...breakIt(permissions) }, methods);

    expect(problems).toEqual([
      expect.stringMatching(
        /^GET \/users\/\{userId\}: no AWS::Lambda::Permission lets API Gateway invoke GetUserLiveAlias[0-9A-F]{8} \(the function or alias its integration calls\) for GET \/users\/\{userId\} on the stage$/,
      ),
    ]);
  });

  it("checks API keys with the Lambda REQUEST authorizer, caching its answer per key header", async () => {
    const { only, routes, authorizer: authorizerFunction } = await api();
    const [authorizerId, resource] = only("AWS::ApiGateway::Authorizer");
    expect(resource.Properties).toMatchObject({
      Type: "REQUEST",
      IdentitySource: `method.request.header.${authorizer.identityHeader}`,
      AuthorizerResultTtlInSeconds: authorizer.resultsCacheTtlSeconds,
    });
    expect(render(resource.Properties?.AuthorizerUri)).toContain(`/functions/{${authorizerFunction.aliasId}}/invocations`);
    for (const { method } of routes) {
      expect(method.Properties).toMatchObject({ AuthorizationType: "CUSTOM", AuthorizerId: { Ref: authorizerId } });
    }
  });

  it("requires the key header and the path parameters through a request validator", async () => {
    const { only, routes } = await api();
    const [validatorId, validator] = only("AWS::ApiGateway::RequestValidator");
    expect(validator.Properties).toMatchObject({ ValidateRequestParameters: true });
    const byRoute = Object.fromEntries(routes.map(({ route, method }) => [route.id, method.Properties]));
    expect(byRoute.ListUsers).toMatchObject({
      RequestParameters: { "method.request.header.x-api-key": true },
      RequestValidatorId: { Ref: validatorId },
    });
    expect(byRoute.GetUser).toMatchObject({
      RequestParameters: { "method.request.header.x-api-key": true, "method.request.path.userId": true },
      RequestValidatorId: { Ref: validatorId },
    });
    for (const { route, method } of routes) {
      const pathParameters = Object.keys(method.Properties?.RequestParameters as object).filter((name) => name.startsWith("method.request.path."));
      expect(pathParameters.map((name) => `{${name.slice("method.request.path.".length)}}`)).toEqual(route.path.match(/\{\w+\}/g) ?? []);
    }
  });

  it("throttles the stage, traces it with X-Ray and writes JSON access logs without keys", async () => {
    const { only, resources } = await api();
    const [, apiStage] = only("AWS::ApiGateway::Stage");
    expect(apiStage.Properties).toMatchObject({
      StageName: stage,
      TracingEnabled: true,
      MethodSettings: [
        expect.objectContaining({
          HttpMethod: "*",
          ResourcePath: "/*",
          ThrottlingRateLimit: settings.api.throttleRateLimit,
          ThrottlingBurstLimit: settings.api.throttleBurstLimit,
        }),
      ],
    });
    const { DestinationArn, Format } = apiStage.Properties!.AccessLogSetting as { DestinationArn: unknown; Format: string };
    const accessLogs = resources[render(DestinationArn).match(/^\{(\w+)\.Arn\}$/)?.[1] ?? ""];
    expect(accessLogs?.Type).toBe("AWS::Logs::LogGroup");
    expect(accessLogs?.Properties?.RetentionInDays).toBe(retentionDays(settings.logRetention));
    expect(accessLogs?.DeletionPolicy).toBe(settings.removalPolicy === RemovalPolicy.RETAIN ? "Retain" : "Delete");
    // Every $context variable stands for a value: quoted ones are strings, bare ones numbers.
    const entry = JSON.parse(Format.replace(/\$context\.[\w.]+/g, "0")) as Record<string, unknown>;
    expect(Object.keys(entry)).toEqual(
      expect.arrayContaining(["requestId", "httpMethod", "resourcePath", "status", "responseLatency", "integrationLatency", "xrayTraceId"]),
    );
    expect(Format).not.toMatch(/apiKey|x-api-key|header/i);
  });

  it.each(Object.keys(gatewayResponses) as GatewayResponseType[])("answers API Gateway's own %s as a problem document with CORS headers", async (type) => {
    const { ofType } = await api();
    const responses = ofType("AWS::ApiGateway::GatewayResponse").filter(([, response]) => response.Properties?.ResponseType === type);
    const { status, contentType, headers, body } = gatewayProblem(type);
    expect(responses).toHaveLength(1);
    expect(responses[0]?.[1].Properties).toMatchObject({
      StatusCode: String(status),
      ResponseParameters: {
        "gatewayresponse.header.Content-Type": `'${contentType}'`,
        "gatewayresponse.header.Access-Control-Allow-Origin": `'${settings.api.corsAllowOrigin}'`,
        ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [`gatewayresponse.header.${name}`, `'${value}'`])),
      },
      ResponseTemplates: { "application/json": JSON.stringify(body) },
    });
  });

  it("answers unknown routes with 404 and authorizer denials with 403 problem documents", async () => {
    const { ofType } = await api();
    const statusOf = (type: GatewayResponseType) =>
      ofType("AWS::ApiGateway::GatewayResponse").find(([, response]) => response.Properties?.ResponseType === type)?.[1].Properties?.StatusCode;
    expect(statusOf("MISSING_AUTHENTICATION_TOKEN")).toBe("404");
    expect(statusOf("ACCESS_DENIED")).toBe("403");
    expect(statusOf("UNAUTHORIZED")).toBe("401");
    expect(statusOf("AUTHORIZER_FAILURE")).toBe("503");
  });

  it("answers a method a resource lacks with 405, Allow and a problem document, from a mock on ANY, without a key", async () => {
    const { methods } = await api();
    const resources = [...new Set(routeList.map(({ path }) => path))];
    const anyMethods = methods.filter(({ httpMethod }) => httpMethod === "ANY");
    expect(anyMethods.map(({ path }) => path).sort()).toEqual([...resources].sort());
    for (const { path, method } of anyMethods) {
      const expected = methodNotAllowed(routeList.filter((route) => route.path === path).map((route) => route.method));
      const integration = method.Properties?.Integration as {
        Type: string;
        IntegrationResponses: {
          StatusCode: string;
          SelectionPattern?: string;
          ResponseParameters: Record<string, string>;
          ResponseTemplates: Record<string, string>;
        }[];
      };
      expect(integration.Type).toBe("MOCK");
      // One integration response, the default (no selection pattern): it answers whatever the mock returns.
      expect(integration.IntegrationResponses).toEqual([
        {
          StatusCode: "405",
          ResponseParameters: {
            "method.response.header.Content-Type": `'${expected.contentType}'`,
            "method.response.header.Access-Control-Allow-Origin": `'${settings.api.corsAllowOrigin}'`,
            "method.response.header.Allow": `'${expected.headers.Allow}'`,
          },
          ResponseTemplates: { "application/json": JSON.stringify(expected.body) },
        },
      ]);
      expect(method.Properties?.MethodResponses).toEqual([
        {
          StatusCode: "405",
          ResponseParameters: {
            "method.response.header.Content-Type": true,
            "method.response.header.Access-Control-Allow-Origin": true,
            "method.response.header.Allow": true,
          },
        },
      ]);
      expect(method.Properties?.AuthorizationType).toBe("NONE");
    }
    expect(methodNotAllowed(["GET", "POST"]).headers.Allow).toBe("GET, POST, OPTIONS");
  });

  it("answers CORS preflight on every resource for the stage's origin, methods and headers", async () => {
    const { methods } = await api();
    const preflights = methods.filter(({ httpMethod }) => httpMethod === "OPTIONS");
    expect(preflights.map(({ path }) => path).sort()).toEqual(["/", "/users", "/users/{userId}"]);
    for (const { method } of preflights) {
      const [response] = (method.Properties!.Integration as { IntegrationResponses: { ResponseParameters: Record<string, string> }[] }).IntegrationResponses;
      const headers = response?.ResponseParameters ?? {};
      expect(headers["method.response.header.Access-Control-Allow-Origin"]).toBe(`'${settings.api.corsAllowOrigin}'`);
      expect(headers["method.response.header.Access-Control-Allow-Methods"]).toBe("'GET,POST,PUT,PATCH,DELETE'");
      expect(headers["method.response.header.Access-Control-Allow-Headers"]).toBe(`'content-type,${authorizer.identityHeader},if-match,idempotency-key'`);
      expect(method.Properties?.AuthorizationType).toBe("NONE");
    }
  });

  it("sets the function environment of routes.ts: the stage's log level and CORS origin, no source maps parsed at init", async () => {
    const { functions } = await api();
    for (const { fn } of functions) {
      const variables = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toMatchObject({
        ...functionEnvironment({ logLevel: settings.logLevel, corsAllowOrigin: settings.api.corsAllowOrigin }),
        CORS_ALLOW_ORIGIN: settings.api.corsAllowOrigin,
        SST_STAGE: stage,
      });
      expect(variables).not.toHaveProperty("NODE_OPTIONS");
    }
  });

  it("gives every function a log group of its own with the stage's retention and removal policy", async () => {
    const { functions, resources } = await api();
    for (const { fn } of functions) {
      const logGroupId = render((fn.Properties!.LoggingConfig as { LogGroup: unknown }).LogGroup).slice(1, -1);
      expect(resources[logGroupId]).toMatchObject({
        Type: "AWS::Logs::LogGroup",
        Properties: { RetentionInDays: retentionDays(settings.logRetention) },
        DeletionPolicy: settings.removalPolicy === RemovalPolicy.RETAIN ? "Retain" : "Delete",
      });
    }
  });

  it("reserves no concurrency for any function of any stack, so a new account's low quota is never split", async () => {
    const templates = await synthesized(stage, optionsFor(stage));
    const stackIds = ["Database", "Secrets", "Alerts", "Api", "Monitoring"] as const;
    const functions = stackIds.flatMap((id) => Object.entries(templates.resources(id, "AWS::Lambda::Function")));
    expect(functions.length).toBeGreaterThan(routeList.length);
    for (const [id, fn] of functions) expect(fn.Properties?.ReservedConcurrentExecutions, id).toBeUndefined();
  });

  it("retains every published function version, so traffic can always shift back", async () => {
    const { ofType, functions } = await api();
    const versions = ofType("AWS::Lambda::Version");
    expect(versions.map(([, version]) => render(version.Properties?.FunctionName)).sort()).toEqual(functions.map(({ functionId }) => `{${functionId}}`).sort());
    for (const [, version] of versions) expect(version.DeletionPolicy).toBe("Retain");
  });

  if (settings.deployment.kind === "canary") {
    it("shifts traffic as a 10% canary for 5 minutes, rolling back on the handlers' unexpected errors or the API's 5XX alarm", async () => {
      const { ofType, only, functions, resources } = await api();
      const [configId, config] = only("AWS::CodeDeploy::DeploymentConfig");
      expect(config.Properties?.TrafficRoutingConfig).toEqual({
        Type: "TimeBasedCanary",
        TimeBasedCanary: { CanaryPercentage: 10, CanaryInterval: 5 },
      });
      const [api5xxId] = single(Object.fromEntries(ofType("AWS::CloudWatch::Alarm")), "Api5xxRate");
      const groups = ofType("AWS::CodeDeploy::DeploymentGroup");
      expect(groups).toHaveLength(functions.length);
      for (const { definition, functionId, alias } of functions) {
        const groupId = render((alias!.UpdatePolicy!.CodeDeployLambdaAliasUpdate as { DeploymentGroupName: unknown }).DeploymentGroupName).slice(1, -1);
        const group = resources[groupId];
        const [errorsId] = single(Object.fromEntries(ofType("AWS::CloudWatch::Alarm")), "UnexpectedErrors");
        expect(resources[errorsId]?.Properties).toMatchObject({ Namespace: "UsersApi", MetricName: "UnexpectedError" });
        expect(definition.id).toBeTruthy();
        expect(functionId).toBeTruthy();
        expect(group?.Properties).toMatchObject({
          DeploymentConfigName: { Ref: configId },
          AlarmConfiguration: { Enabled: true, Alarms: [{ Name: { Ref: errorsId } }, { Name: { Ref: api5xxId } }] },
          AutoRollbackConfiguration: { Enabled: true, Events: expect.arrayContaining(["DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_FAILURE"]) },
        });
      }
    });
  } else {
    it("moves each alias to the new version at once, without CodeDeploy", async () => {
      const { ofType, functions } = await api();
      expect(ofType("AWS::CodeDeploy::DeploymentGroup")).toEqual([]);
      expect(ofType("AWS::CodeDeploy::Application")).toEqual([]);
      for (const { alias } of functions) expect(alias?.UpdatePolicy).toBeUndefined();
    });
  }

  it("outputs the API endpoint", async () => {
    const synthesis = await synthesized(stage, optionsFor(stage));
    const outputs = synthesis.stack("Api").template.Outputs as Record<string, { Value: unknown }>;
    expect(render(outputs.ApiEndpoint?.Value)).toMatch(/^https:\/\/\{Api\w+\}\.execute-api\.us-east-1\.\{AWS::URLSuffix\}\/.+\/$/);
  });
});

/** Required by the SDK inside try/catch, only to sign with SigV4a, which these clients never use. */
const OPTIONAL_SDK_MODULES = ["@aws-sdk/signature-v4-crt", "@aws-sdk/signature-v4a"];

describe("the functions of prod, bundled as deployed", () => {
  synthesizeBeforeAll("prod", bundled);

  it("run on nodejs22.x arm64 with set memory, X-Ray and a timeout well under API Gateway's 29 s", async () => {
    const { functions } = apiResources(await synthesized("prod", bundled));
    expect(functions).toHaveLength(routeList.length + 1);
    for (const { fn } of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        MemorySize: functionDefaults.memorySize,
        Timeout: functionDefaults.timeoutSeconds,
        TracingConfig: { Mode: "Active" },
      });
      expect(fn.Properties?.Timeout).toBeLessThanOrEqual(API_GATEWAY_TIMEOUT_SECONDS / 2);
    }
  });

  it("are minified ESM bundles, split in chunks, each with its source map beside it and the AWS SDK v3 inside", async () => {
    const synthesis = await synthesized("prod", bundled);
    const { functions } = apiResources(synthesis);
    for (const { definition, fn } of functions) {
      const key = String((fn.Properties!.Code as { S3Key: string }).S3Key);
      const assetDir = path.join(synthesis.outdir, `asset.${key.replace(/\.zip$/, "")}`);
      const files = readdirSync(assetDir, { recursive: true }).map(String);
      const modules = files.filter((file) => file.endsWith(".mjs"));
      const handlerModule = String(fn.Properties?.Handler).replace(/\.\w+$/, ".mjs");
      expect(modules, definition.id).toContain(handlerModule);
      for (const module of modules) {
        expect(files).toContain(`${module}.map`);
        const code = readFileSync(path.join(assetDir, module), "utf8");
        expect(code.includes(`//# sourceMappingURL=${path.basename(module)}.map`), module).toBe(true);
      }
      const main = readFileSync(path.join(assetDir, handlerModule), "utf8");
      // Minified: hundreds of kilobytes in a few lines.
      expect(main.length / main.split("\n").length).toBeGreaterThan(1000);
      const code = modules.map((module) => readFileSync(path.join(assetDir, module), "utf8")).join("\n");
      // Bundled, not loaded from the runtime's copy of the SDK; only the SDK's own optional SigV4a signers stay outside.
      const external = [...code.matchAll(/(?:from\s*|import\(|require\()["'](@aws-sdk\/[\w-]+)/g)].map(([, name]) => name);
      expect(new Set(external)).toEqual(new Set(external.filter((name) => OPTIONAL_SDK_MODULES.includes(name ?? ""))));
      expect(code.includes(definition.id === "Authorizer" ? "SecretsManagerClient" : "DynamoDBClient"), definition.id).toBe(true);
    }
  });
});

describe("the Api stack under sst dev (Live Lambda)", () => {
  synthesizeBeforeAll("dev", { mode: "dev" });

  it("integrates routes and the authorizer with the functions themselves, not their aliases", async () => {
    const { routes, ofType, only, authorizer: authorizerFunction } = apiResources(await synthesized("dev", { mode: "dev" }));
    for (const { method, functionId } of routes) {
      expect(render((method.Properties!.Integration as { Uri: unknown }).Uri)).toContain(`/functions/{${functionId}.Arn}/invocations`);
    }
    const [, resource] = only("AWS::ApiGateway::Authorizer");
    expect(render(resource.Properties?.AuthorizerUri)).toContain(`/functions/{${authorizerFunction.functionId}.Arn}/invocations`);
    expect(ofType("AWS::CodeDeploy::DeploymentGroup")).toEqual([]);
  });
});

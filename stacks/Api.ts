import {
  authorizer as authorizerDefinition,
  functionDefaults,
  routeList,
  type BindingName,
  type FunctionDefinition,
} from "../packages/core/src/api/routes.js";
import { ApiGatewayV1Api, Function, use, type StackContext } from "sst/constructs";
import type { BindingResource } from "sst/constructs/util/binding.js";
import { Database } from "./Database.js";
import { Secrets } from "./Secrets.js";

/** The REST API: one function per route, each bound to exactly what its route definition grants. */
export function Api({ stack }: StackContext) {
  const { table } = use(Database);
  const { apiKeys, apiKeysSecretArn, cursorSecret } = use(Secrets);

  /** Binds with explicit permissions so typed `Table.Users.tableName` stays but grants are only the listed ones. */
  const bindingsOf = (definition: FunctionDefinition): BindingResource[] =>
    definition.bind.map((name: BindingName) => {
      switch (name) {
        case "usersTable": {
          const { table: tableActions = [], indexes = {} } = definition.tableAccess;
          const permissions = [
            ...(tableActions.length > 0 ? [{ actions: [...tableActions], resources: [table.tableArn] }] : []),
            ...Object.entries(indexes).map(([index, actions]) => ({
              actions: [...(actions ?? [])],
              resources: [`${table.tableArn}/index/${index}`],
            })),
          ];
          return { resource: table, permissions };
        }
        case "apiKeysSecretArn":
          return {
            resource: apiKeysSecretArn,
            permissions: [{ actions: [...definition.apiKeysSecretAccess], resources: [apiKeys.secretArn] }],
          };
        case "cursorSecret":
          return cursorSecret;
      }
    });

  const functionOf = (definition: FunctionDefinition) =>
    new Function(stack, definition.id, {
      handler: definition.handler,
      runtime: functionDefaults.runtime,
      architecture: functionDefaults.architecture,
      memorySize: functionDefaults.memorySize,
      timeout: functionDefaults.timeoutSeconds,
      environment: {
        POWERTOOLS_SERVICE_NAME: functionDefaults.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: functionDefaults.metricsNamespace,
      },
      bind: bindingsOf(definition),
    });

  const api = new ApiGatewayV1Api(stack, "Api", {
    authorizers: {
      apiKey: {
        type: "lambda_request",
        function: functionOf(authorizerDefinition),
        identitySources: [`method.request.header.${authorizerDefinition.identityHeader}`],
      },
    },
    defaults: { authorizer: "apiKey" },
    routes: Object.fromEntries(
      routeList.map((route) => [`${route.method} ${route.path}`, { function: functionOf(route) }]),
    ),
  });

  stack.addOutputs({ ApiEndpoint: api.url, TableName: table.tableName, ApiKeysSecretArn: apiKeys.secretArn });
  return { api };
}

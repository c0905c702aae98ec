import { authorizer, routeList, type FunctionDefinition, type RouteDefinition } from "../../../packages/core/src/api/routes.js";
import { render } from "./cfn.js";
import type { CfnResource, StageTemplates } from "./synthesis.js";

/** The Api stack read as routes: which method, function, alias and version serve each route definition. */
export interface FunctionResources {
  readonly definition: FunctionDefinition;
  readonly functionId: string;
  readonly fn: CfnResource;
  readonly aliasId: string | undefined;
  readonly alias: CfnResource | undefined;
}

export interface RouteResources extends FunctionResources {
  readonly route: RouteDefinition;
  readonly methodId: string;
  readonly method: CfnResource;
}

export function apiResources(synthesis: StageTemplates) {
  const resources = synthesis.resources("Api");
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

  const pathOf = (resourceId: string): string => {
    const resource = resources[resourceId];
    if (!resource) return "";
    const parent = render(resource.Properties?.ParentId);
    const parentId = parent.match(/^\{([^.}]+)\}$/)?.[1];
    return `${parentId ? pathOf(parentId) : ""}/${String(resource.Properties?.PathPart)}`;
  };
  const methods = ofType("AWS::ApiGateway::Method").map(([id, method]) => ({
    id,
    method,
    httpMethod: String(method.Properties?.HttpMethod),
    path: pathOf(render(method.Properties?.ResourceId).slice(1, -1)) || "/",
  }));

  /** CDK names a construct's resource after its id plus an eight-digit hash. */
  const functionFor = (definition: FunctionDefinition): FunctionResources => {
    const ownId = new RegExp(`^${definition.id}[0-9A-F]{8}$`);
    const [functionId, fn] = ofType("AWS::Lambda::Function").find(([id]) => ownId.test(id)) ?? [];
    if (!functionId || !fn) throw new Error(`no function for ${definition.id}`);
    const [aliasId, alias] = ofType("AWS::Lambda::Alias").find(([, candidate]) => render(candidate.Properties?.FunctionName) === `{${functionId}}`) ?? [];
    return { definition, functionId, fn, aliasId, alias };
  };

  const routes: RouteResources[] = routeList.map((route) => {
    const found = methods.find(({ httpMethod, path }) => httpMethod === route.method && path === route.path);
    if (!found) throw new Error(`no method for ${route.method} ${route.path}`);
    return { ...functionFor(route), route, methodId: found.id, method: found.method };
  });

  /** The one resource of a type; throws when there is none or more than one. */
  const only = (type: string): [string, CfnResource] => {
    const found = ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0]!;
  };

  return {
    resources,
    ofType,
    only,
    methods,
    routes,
    authorizer: functionFor(authorizer),
    functions: [...routes, functionFor(authorizer)],
  };
}

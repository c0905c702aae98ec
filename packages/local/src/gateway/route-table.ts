import type { RouteDefinition } from "@users-api/core";

type Segment = { readonly kind: "literal"; readonly value: string } | { readonly kind: "param" | "greedy"; readonly name: string };

interface CompiledResource {
  readonly path: string;
  readonly segments: readonly Segment[];
}

export type RouteMatch =
  | { readonly kind: "route"; readonly route: RouteDefinition; readonly pathParameters: Record<string, string> | null }
  /** A CORS preflight: SST's REST API answers `OPTIONS` on every resource with a mock integration. */
  | { readonly kind: "preflight"; readonly resourcePath: string };

/** API Gateway decodes path parameters; a malformed escape is passed on as sent. */
const decodeSegment = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

function compile(path: string): CompiledResource {
  const segments = path
    .split("/")
    .filter((part) => part !== "")
    .map((part): Segment => {
      const param = /^\{([^}+]+)(\+?)\}$/.exec(part);
      if (!param) return { kind: "literal", value: part };
      return { kind: param[2] ? "greedy" : "param", name: param[1] ?? "" };
    });
  return { path, segments };
}

/** Matches request segments against a resource; path parameters when it matches, else undefined. */
function matchResource(resource: CompiledResource, segments: readonly string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of resource.segments.entries()) {
    const actual = segments[index];
    if (segment.kind === "greedy") {
      if (actual === undefined) return undefined;
      parameters[segment.name] = segments.slice(index).map(decodeSegment).join("/");
      return parameters;
    }
    if (actual === undefined || actual === "") return undefined;
    if (segment.kind === "literal") {
      if (decodeSegment(actual) !== segment.value) return undefined;
    } else {
      parameters[segment.name] = decodeSegment(actual);
    }
  }
  return segments.length === resource.segments.length ? parameters : undefined;
}

/** A literal segment beats a parameter, which beats a greedy one, from the left: API Gateway's precedence. */
const specificity = (resource: CompiledResource) =>
  resource.segments.map((segment) => ({ literal: "0", param: "1", greedy: "2" })[segment.kind]).join("") + "3";

/**
 * The API's resources and methods, from the route definitions: finds the
 * route for a method and raw path the way API Gateway resolves resources.
 */
export class RouteTable {
  readonly #resources: { resource: CompiledResource; methods: Map<string, RouteDefinition> }[];

  constructor(routes: readonly RouteDefinition[]) {
    const byPath = new Map<string, Map<string, RouteDefinition>>([["/", new Map()]]);
    for (const route of routes) {
      const methods = byPath.get(route.path) ?? new Map<string, RouteDefinition>();
      if (methods.has(route.method)) throw new Error(`Two routes are defined for ${route.method} ${route.path}.`);
      methods.set(route.method, route);
      byPath.set(route.path, methods);
    }
    this.#resources = [...byPath]
      .map(([path, methods]) => ({ resource: compile(path), methods }))
      .sort((a, b) => specificity(a.resource).localeCompare(specificity(b.resource)));
  }

  /** `rawPath` is the path as sent (still percent-encoded), without the query string. */
  match(method: string, rawPath: string): RouteMatch | undefined {
    const segments = rawPath.split("/").slice(1);
    // "/users/" names the same resource as "/users".
    if (segments.length > 0 && segments.at(-1) === "") segments.pop();
    for (const { resource, methods } of this.#resources) {
      const parameters = matchResource(resource, segments);
      if (parameters === undefined) continue;
      if (method === "OPTIONS") return { kind: "preflight", resourcePath: resource.path };
      const route = methods.get(method);
      if (!route) return undefined;
      return { kind: "route", route, pathParameters: Object.keys(parameters).length > 0 ? parameters : null };
    }
    return undefined;
  }
}

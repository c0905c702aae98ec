import type { RouteDefinition } from "@users-api/core";

type Segment = { readonly kind: "literal"; readonly value: string } | { readonly kind: "param" | "greedy"; readonly name: string };

interface CompiledResource {
  readonly path: string;
  readonly segments: readonly Segment[];
}

/** What the gateway needs of a route to match it: its method and resource path. */
export interface GatewayRoute {
  readonly method: string;
  readonly path: string;
}

export type RouteMatch<R extends GatewayRoute = RouteDefinition> =
  | { readonly kind: "route"; readonly route: R; readonly pathParameters: Record<string, string> | null }
  /** A CORS preflight: SST's REST API answers `OPTIONS` on every resource with a mock integration. */
  | { readonly kind: "preflight"; readonly resourcePath: string }
  /** A resource with routes, but none for this method: the Api stack's `ANY` mock answers 405 with `Allow`. */
  | { readonly kind: "method-not-allowed"; readonly resourcePath: string; readonly methods: readonly string[] };

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
  `${resource.segments.map((segment) => ({ literal: "0", param: "1", greedy: "2" })[segment.kind]).join("")}3`;

/**
 * Where the gateway finds a request's route: the route definitions (the local runner) or a deployed
 * REST API as the emulator holds it (the deploy rehearsal).
 */
export interface RouteSource<R extends GatewayRoute = RouteDefinition> {
  /** `rawPath` is the path as sent (still percent-encoded), without the query string. */
  match(method: string, rawPath: string): RouteMatch<R> | undefined;
}

/**
 * The API's resources and methods, from the route definitions (or a deployed API's methods): finds the
 * route for a method and raw path the way API Gateway resolves resources.
 */
export class RouteTable<R extends GatewayRoute = RouteDefinition> implements RouteSource<R> {
  readonly #resources: { resource: CompiledResource; methods: Map<string, R> }[];

  constructor(routes: readonly R[]) {
    const byPath = new Map<string, Map<string, R>>([["/", new Map()]]);
    for (const route of routes) {
      const methods = byPath.get(route.path) ?? new Map<string, R>();
      if (methods.has(route.method)) throw new Error(`Two routes are defined for ${route.method} ${route.path}.`);
      methods.set(route.method, route);
      byPath.set(route.path, methods);
    }
    this.#resources = [...byPath]
      .map(([path, methods]) => ({ resource: compile(path), methods }))
      .sort((a, b) => specificity(a.resource).localeCompare(specificity(b.resource)));
  }

  /** `rawPath` is the path as sent (still percent-encoded), without the query string. */
  match(method: string, rawPath: string): RouteMatch<R> | undefined {
    const segments = rawPath.split("/").slice(1);
    // "/users/" names the same resource as "/users".
    if (segments.length > 0 && segments.at(-1) === "") segments.pop();
    for (const { resource, methods } of this.#resources) {
      const parameters = matchResource(resource, segments);
      if (parameters === undefined) continue;
      if (method === "OPTIONS") return { kind: "preflight", resourcePath: resource.path };
      const route = methods.get(method);
      if (!route) return methods.size > 0 ? { kind: "method-not-allowed", resourcePath: resource.path, methods: [...methods.keys()] } : undefined;
      return { kind: "route", route, pathParameters: Object.keys(parameters).length > 0 ? parameters : null };
    }
    return undefined;
  }
}

import { routes, type RouteName } from "@users-api/core";
import { z } from "zod";

/**
 * How often each route is called, as integer weights. The load test and the
 * autoscaling model read the same mixes, so "read-heavy" means one thing.
 */
export type MixWeights = Readonly<Record<RouteName, number>>;

export const routeNames = Object.keys(routes) as RouteName[];

/** Routes that only read. */
export const readRoutes: readonly RouteName[] = routeNames.filter((name) => routes[name].scope === "users:read");

export const mixes = {
  /** 80 % reads, 20 % writes; more creates than deletes, so the set of users grows. */
  "read-heavy": { getUser: 12, listUsers: 8, createUser: 2, patchUser: 1, replaceUser: 1, deleteUser: 1 },
  /** 40 % reads, 60 % writes. */
  "write-heavy": { getUser: 5, listUsers: 3, createUser: 5, patchUser: 3, replaceUser: 2, deleteUser: 2 },
} as const satisfies Record<string, MixWeights>;

export type MixName = keyof typeof mixes;
export const MixName = z.enum(Object.keys(mixes) as [MixName, ...MixName[]]);

const RouteNameSchema = z.enum(routeNames as [RouteName, ...RouteName[]]);

/** A mix given by name or as weights per route (routes left out get weight 0). */
export const Mix = z.union([
  MixName,
  z
    .partialRecord(RouteNameSchema, z.number().min(0))
    .refine((weights) => Object.values(weights).some((weight) => weight > 0), "must give some route a weight above 0"),
]);
export type Mix = z.infer<typeof Mix>;

/** The weights of a mix, every route present. */
export function weightsOf(mix: Mix): MixWeights {
  if (typeof mix === "string") return mixes[mix];
  return Object.fromEntries(routeNames.map((name) => [name, mix[name] ?? 0])) as Record<RouteName, number>;
}

/** Share of each route in a mix (sums to 1). */
export function sharesOf(mix: Mix): MixWeights {
  const weights = weightsOf(mix);
  const total = routeNames.reduce((sum, name) => sum + weights[name], 0);
  return Object.fromEntries(routeNames.map((name) => [name, weights[name] / total])) as Record<RouteName, number>;
}

/**
 * Picks routes in proportion to their weights, deterministically and evenly
 * spread (smooth weighted round-robin, as nginx balances upstreams): in every
 * run of `sum(weights)` picks each route appears exactly `weight` times, so a
 * short run still reaches every route.
 */
export function weightedRoundRobin(weights: MixWeights): () => RouteName {
  const entries = routeNames.filter((name) => weights[name] > 0).map((name) => ({ name, weight: weights[name], current: 0 }));
  if (entries.length === 0) throw new Error("A mix needs at least one route with a weight above 0.");
  const total = entries.reduce((sum, entry) => sum + entry.weight, 0);
  return () => {
    let best = entries[0]!;
    for (const entry of entries) {
      entry.current += entry.weight;
      if (entry.current > best.current) best = entry;
    }
    best.current -= total;
    return best.name;
  };
}

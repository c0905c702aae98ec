export * from "./schema.js";
export * from "./repository.js";
export * from "./cursor.js";
export * from "./merge-patch.js";
export * from "./version.js";
export * from "./table.js";
export * from "./list-layout.js";
export * from "./first-page-cache.js";

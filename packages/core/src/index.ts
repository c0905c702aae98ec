export * from "./app.js";
export * from "./errors.js";
export * from "./problem.js";
export * from "./user/index.js";
export * from "./apikey/apikey.js";
export * from "./api/routes.js";
export * from "./api/gateway-responses.js";

import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { APP_NAME, documentationPaths } from "@users-api/core";

/**
 * The API reference page: Swagger UI (swagger-ui-dist), served from the installed package, rendering the
 * OpenAPI document the same server serves. A local convenience beside the API, like `/openapi.json`: no key,
 * and nothing is fetched from anywhere else, which the page's Content-Security-Policy enforces in the browser.
 */

/** Where the page is served; its assets live under it. */
export const API_REFERENCE_PATH = documentationPaths.apiReference;

const swaggerUiDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** The files of swagger-ui-dist the page loads, by the name it loads them under. */
const packageAssets = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
  "favicon-32x32.png": "image/png",
} as const;

/** Everything from this origin; inline styles because Swagger UI sets style attributes; data: images from its CSS. */
export const API_REFERENCE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The page; asset and document URLs are relative, so the page also works under a path prefix (a stage's). */
const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${APP_NAME} API reference</title>
    <link rel="icon" type="image/png" href="docs/favicon-32x32.png">
    <link rel="stylesheet" href="docs/swagger-ui.css">
  </head>
  <body>
    <div id="reference"></div>
    <script src="docs/swagger-ui-bundle.js"></script>
    <script src="docs/reference.js"></script>
  </body>
</html>
`;

/** Swagger UI's settings, in a script of its own so the policy needs no inline script. */
const initializer = (documentUrl: string) => `window.ui = SwaggerUIBundle({
  url: new URL(${JSON.stringify(documentUrl)}, document.baseURI).href,
  dom_id: "#reference",
  deepLinking: true,
  // The public validator badge would send the document to validator.swagger.io.
  validatorUrl: null,
  displayRequestDuration: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
`;

export interface ReferenceFile {
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * Every file of the page, by its path relative to the page's parent: `docs` (the page) and `docs/<asset>`.
 * `documentPath` is where the OpenAPI document is, relative to the same parent (e.g. `openapi.json`).
 */
export function apiReferenceFiles(documentPath: string): Map<string, ReferenceFile> {
  const pagePath = API_REFERENCE_PATH.slice(1);
  return new Map<string, ReferenceFile>([
    [pagePath, { contentType: "text/html; charset=utf-8", body: Buffer.from(page) }],
    [`${pagePath}/reference.js`, { contentType: "text/javascript; charset=utf-8", body: Buffer.from(initializer(documentPath.replace(/^\//, ""))) }],
    ...Object.entries(packageAssets).map(([name, contentType]): [string, ReferenceFile] => [
      `${pagePath}/${name}`,
      { contentType, body: readFileSync(join(swaggerUiDir, name)) },
    ]),
  ]);
}

/**
 * A request handler for `GET /docs` and its assets: answers and returns `true`, or returns `false` for any
 * other request. `documentPath` is where the same server serves the OpenAPI document, e.g. `/openapi.json`.
 */
export function apiReferencePage(documentPath: string): (request: IncomingMessage, response: ServerResponse) => boolean {
  let files: Map<string, ReferenceFile> | undefined;
  return (request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (path === `${API_REFERENCE_PATH}/`) {
      response.writeHead(308, { location: `..${API_REFERENCE_PATH}` }).end();
      return true;
    }
    files ??= apiReferenceFiles(documentPath);
    const asset = files.get(path.slice(1));
    if (!asset) return false;
    response.writeHead(200, {
      "content-type": asset.contentType,
      "content-length": asset.body.length,
      "cache-control": "no-cache",
      "content-security-policy": API_REFERENCE_CSP,
      "x-content-type-options": "nosniff",
    });
    response.end(request.method === "HEAD" ? undefined : asset.body);
    return true;
  };
}

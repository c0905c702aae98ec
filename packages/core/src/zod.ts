import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

/**
 * zod's tree-shakable API (`zod/mini`) with English messages, as every schema
 * of the API uses it: `import * as z from "../zod.js"`. Classic zod's `z`
 * would bundle all of zod's locales (~260 KiB) into every function.
 */
config(en());

export * from "zod/mini";

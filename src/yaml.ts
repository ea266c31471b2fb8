/**
 * The `yaml` package, as its browser build: the same code as its Node build, without that build's
 * reads of LOG_TOKENS and LOG_STREAM from the environment (which made Deno ask for --allow-env and cost
 * a system call per token) and without Node's CommonJS loader. deno.json maps `yaml` here.
 */
// @ts-types="../node_modules/yaml/dist/index.d.ts"
export * from "../node_modules/yaml/browser/index.js";

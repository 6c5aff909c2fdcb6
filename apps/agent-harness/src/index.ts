/**
 * @hive/agent-harness is an app, not a library: nothing imports names from it. The daemon resolves
 * this entry only to find `dist/main.js` (the harness process) and `dist/page/`; tests that run the
 * built entries find them through `@hive/agent-harness/testing`.
 */
export {};

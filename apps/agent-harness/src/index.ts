/**
 * @hive/agent-harness is an app, not a library: nothing imports names from it. The daemon resolves
 * this entry only to find `dist/main.js` (the harness process) and `dist/page/`; the harness's own
 * tests find the built entries through `src/testing.ts`.
 */
export {};

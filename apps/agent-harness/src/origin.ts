// The page socket (hub.ts) checks Origin with the edge's own sameOrigin.
export { sameOrigin } from '@hive/http-edge';

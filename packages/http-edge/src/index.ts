/** The HTTP edge the daemon and the agent harness share: what every hono server of hyperhive does the same way. */

/** Errors of the edge itself, each with a stable code (statuses live in the servers' tables). */
export {
  BadRequestError,
  UnauthorizedError,
  ForbiddenError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  RouteNotFoundError,
} from './errors.js';

/** The error body `{ error, code }`, a status per code from the caller's table, one line, no stack. */
export { errorResponse, statusFor, oneLine, EDGE_STATUS, type StatusTable, type EdgeLog } from './error-body.js';

/** Request bodies: a size cap that still answers, JSON validated with a zod schema, integer path params. */
export { bodyCap, jsonBody, intParam } from './body.js';

/** Credentials: the bearer token of a request, and constant-time comparison with a secret or its digest. */
export { bearer, tokenEquals, tokenMatchesDigest } from './bearer.js';

/** Origin guards: CSRF (foreign Origin, non-JSON mutations) and DNS rebinding (loopback Host names). */
export { csrfGuard, hostGuard, sameOrigin, isMutation } from './origin.js';

/** Static files of a built page, with the one content-type table. */
export { serveFile, contentTypeOf, CONTENT_TYPES, type ServeFileOptions } from './static.js';

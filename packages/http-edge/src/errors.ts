import { HiveError } from '@hive/core';

/** A request body, query or path parameter is malformed. */
export class BadRequestError extends HiveError {
  readonly code = 'BAD_REQUEST';
}

/** No credential, or not the one this route takes. */
export class UnauthorizedError extends HiveError {
  readonly code = 'UNAUTHORIZED';
}

/** A credential or origin this route refuses (cross-origin mutation, foreign Host, a call only another caller may make). */
export class ForbiddenError extends HiveError {
  readonly code = 'FORBIDDEN';
}

/** A request body over the server's cap. */
export class PayloadTooLargeError extends HiveError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`request body too large: the limit is ${limit} bytes`);
  }
}

/** A mutation whose Content-Type the route does not take. */
export class UnsupportedMediaTypeError extends HiveError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

/** No route (or no file) answers this method and path. */
export class RouteNotFoundError extends HiveError {
  readonly code = 'NOT_FOUND';
  constructor(method: string, pathname: string) {
    super(`no route ${method} ${pathname.slice(0, 200)}`);
  }
}

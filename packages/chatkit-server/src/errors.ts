/** Errors of the ChatKit server. */

/** A request the server refuses: the transport answers `status` with `{error: code, message}`. */
export class ChatKitRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChatKitRequestError';
  }
}

/** Thrown by a Store for a missing thread or item. */
export class NotFoundError extends ChatKitRequestError {
  constructor(message: string) {
    super(404, 'not_found', message);
    this.name = 'NotFoundError';
  }
}

/** Thrown by a hook inside a stream: becomes an `error` event with this message (code "custom"). */
export class CustomStreamError extends Error {
  constructor(
    message: string,
    readonly allowRetry = false,
  ) {
    super(message);
    this.name = 'CustomStreamError';
  }
}

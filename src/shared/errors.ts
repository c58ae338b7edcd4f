/**
 * The one error type every layer throws. It carries its HTTP status; each surface
 * maps it to its own envelope in exactly one place.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: string | null;
  readonly hint: string | null;
  /** Extra headers the response must carry (e.g. WWW-Authenticate). */
  readonly headers: Record<string, string>;
  /** Extra body fields a surface's envelope may include (e.g. a Postgres error's position). */
  readonly fields: Record<string, unknown>;

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { details?: string | null; hint?: string | null; headers?: Record<string, string>; fields?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = opts.details ?? null;
    this.hint = opts.hint ?? null;
    this.headers = opts.headers ?? {};
    this.fields = opts.fields ?? {};
  }
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

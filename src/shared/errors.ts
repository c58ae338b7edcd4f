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

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { details?: string | null; hint?: string | null; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = opts.details ?? null;
    this.hint = opts.hint ?? null;
    this.headers = opts.headers ?? {};
  }
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

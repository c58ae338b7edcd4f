import { expect } from 'vitest';
import { ApiError } from '../../src/shared/errors.ts';
import type { Field } from '../../src/api/engine/parse/types.ts';

/** Asserts that fn throws an ApiError with this status and code (and message and details, when given). */
export function expectApiError(fn: () => unknown, expected: { status: number; code: string; message?: string; details?: string | null }) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ApiError);
  const err = caught as ApiError;
  expect({ status: err.status, code: err.code }).toEqual({ status: expected.status, code: expected.code });
  if (expected.message !== undefined) expect(err.message).toBe(expected.message);
  if (expected.details !== undefined) expect(err.details).toBe(expected.details);
}

export const f = (name: string, ...jsonPath: Field['jsonPath']): Field => ({ name, jsonPath });

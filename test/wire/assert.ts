/** Test helper (not a test file): assert that fn throws a WireError with this code (and offset). */
import type { ExecutionContext } from 'ava';
import { WireError, type WireErrorCode } from '../../lib/wire/errors.ts';

export function wireError(t: ExecutionContext, fn: () => unknown, code: WireErrorCode, offset?: number): WireError {
  const err = t.throws(fn, { instanceOf: WireError }) as WireError;
  t.is(err.code, code);
  if (offset !== undefined) t.is(err.offset, offset, `offset of ${code}`);
  return err;
}

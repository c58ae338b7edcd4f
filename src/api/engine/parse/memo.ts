/**
 * A bounded memo for pure parses of strings that repeat across requests (the
 * `select` and `order` of an app's queries). Results are frozen: callers share them.
 */
export function memoize<T>(fn: (s: string) => T, max = 1000): (s: string) => T {
  const cache = new Map<string, T>();
  return (s: string) => {
    const hit = cache.get(s);
    if (hit !== undefined) return hit;
    const v = deepFreeze(fn(s));
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    cache.set(s, v);
    return v;
  };
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

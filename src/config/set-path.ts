/** Plain JSON objects as config layers hold them. */
export type Data = Record<string, unknown>;

export function isObject(v: unknown): v is Data {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** defineProperty, not `=`: a key such as `__proto__` from `--set` must become a (rejected) key, not a prototype. */
function put(obj: Data, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Sets `a.b.c` in `target`, making the sections on the way (a non-object in the way is replaced). */
export function setPath(target: Data, keys: readonly string[], value: unknown): void {
  let obj = target;
  for (const k of keys.slice(0, -1)) {
    if (!Object.hasOwn(obj, k) || !isObject(obj[k])) put(obj, k, {});
    obj = obj[k] as Data;
  }
  put(obj, keys[keys.length - 1]!, value);
}

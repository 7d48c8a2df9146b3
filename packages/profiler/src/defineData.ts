/**
 * Sets `record[key]` as an own, enumerable data property: no setter runs, so a `__proto__` key
 * (e.g. from `JSON.parse`) is stored as data instead of replacing the prototype.
 * @internal
 */
export function defineData(record: object, key: string, value: unknown): void {
  Object.defineProperty(record, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

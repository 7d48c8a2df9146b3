import type {
  Attributes as OtelAttributes,
  AttributeValue as OtelAttributeValue,
} from '@opentelemetry/api';

/** Most attributes kept on one span (OpenTelemetry's default `attributeCountLimit`). */
export const MAX_ATTRIBUTES = 128;

/**
 * Copies span attributes into OpenTelemetry attribute values. Strings, finite or not numbers,
 * booleans and homogeneous arrays of them pass unchanged; a `bigint` becomes a number when it is
 * a safe integer and a decimal string otherwise (so is each `bigint` of an array); a `Date`
 * becomes its ISO string. Anything else (nested objects, functions, symbols, `null`, mixed
 * arrays) is dropped. Keys are copied as data: `__proto__` stays an ordinary key. Never throws.
 */
export class AttributeConverter {
  /** Values converted to an OpenTelemetry type (bigint, Date). */
  converted = 0;
  /** Values dropped (not convertible, unreadable, or beyond {@link MAX_ATTRIBUTES}). */
  dropped = 0;

  /**
   * Converts `source` into a fresh null-prototype object; returns it with how many values of
   * this span were dropped (the span's `droppedAttributesCount`).
   */
  convert(source: unknown): { attributes: OtelAttributes; dropped: number } {
    const attributes: OtelAttributes = Object.create(null);
    let dropped = 0;
    if (source === undefined || source === null) return { attributes, dropped };
    if (typeof source !== 'object') {
      this.dropped++;
      return { attributes, dropped: 1 };
    }
    let kept = 0;
    try {
      for (const key of Object.keys(source)) {
        const value = this.#value((source as Record<string, unknown>)[key]);
        if (value === undefined || kept >= MAX_ATTRIBUTES) {
          dropped++;
          continue;
        }
        attributes[key] = value;
        kept++;
      }
    } catch {
      dropped++; // a throwing getter or proxy: keep what was read
    }
    this.dropped += dropped;
    return { attributes, dropped };
  }

  /** `AttributeConverter{converted=..., dropped=...}`. */
  toString(): string {
    return `AttributeConverter{converted=${this.converted}, dropped=${this.dropped}}`;
  }

  #value(value: unknown): OtelAttributeValue | undefined {
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
        return value;
      case 'bigint':
        this.converted++;
        return bigintValue(value);
      case 'object':
        if (value instanceof Date) {
          const time = value.getTime();
          if (Number.isNaN(time)) return undefined;
          this.converted++;
          return value.toISOString();
        }
        return Array.isArray(value) ? this.#array(value) : undefined;
      default:
        return undefined;
    }
  }

  #array(values: readonly unknown[]): OtelAttributeValue | undefined {
    if (values.length === 0) return [] as string[];
    let type = typeof values[0];
    if (type === 'bigint') type = typeof bigintValue(values[0] as bigint);
    if (type !== 'string' && type !== 'number' && type !== 'boolean') return undefined;
    const out: unknown[] = new Array(values.length);
    let converted = false;
    for (let i = 0; i < values.length; i++) {
      let item = values[i];
      if (typeof item === 'bigint') {
        item = bigintValue(item);
        converted = true;
      }
      if (typeof item !== type) return undefined;
      out[i] = item;
    }
    if (converted) this.converted++;
    return out as OtelAttributeValue;
  }
}

function bigintValue(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}

import type { SpanRecord } from '@ferret/profiler';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import {
  AttributeConverter,
  type OtelBridgeError,
  OtelExporterSink,
  toHrTime,
} from '../src/index.js';

function record(overrides: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    name: 'op',
    startTime: 1000.5,
    duration: 2,
    status: 'ok',
    attributes: {},
    runId: 'run',
    pid: 1,
    threadId: 0,
    weight: 1,
    ...overrides,
  };
}

describe('AttributeConverter', () => {
  it('keeps __proto__ as an ordinary key and counts what it converts and drops', () => {
    const converter = new AttributeConverter();
    const source = JSON.parse('{"__proto__": "x", "n": 1}') as Record<string, unknown>;
    source.list = [1n, 2n];
    source.sym = Symbol('s');
    source.none = null;
    source.bad = new Date(Number.NaN);
    const { attributes, dropped } = converter.convert(source);
    expect(Object.keys(attributes).sort()).toEqual(['__proto__', 'list', 'n']);
    expect(Object.getOwnPropertyDescriptor(attributes, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(attributes)).toBeNull();
    expect(attributes.list).toEqual([1, 2]);
    expect(dropped).toBe(3);
    expect(converter.converted).toBe(1);
  });

  it('survives a throwing getter and keeps what it read', () => {
    const converter = new AttributeConverter();
    const source = {
      a: 1,
      get b(): number {
        throw new Error('no');
      },
    };
    const { attributes, dropped } = converter.convert(source);
    expect(attributes).toEqual({ a: 1 });
    expect(dropped).toBe(1);
  });

  it('keeps at most 128 attributes', () => {
    const source = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`k${i}`, i]));
    const { attributes, dropped } = new AttributeConverter().convert(source);
    expect(Object.keys(attributes)).toHaveLength(128);
    expect(dropped).toBe(2);
  });
});

describe('toHrTime', () => {
  it('splits milliseconds into seconds and nanoseconds without a nanosecond overflow', () => {
    expect(toHrTime(1_700_000_000_123.5)).toEqual([1_700_000_000, 123_500_000]);
    expect(toHrTime(0.000_001)).toEqual([0, 1]);
    expect(toHrTime(999.999_999_9)).toEqual([1, 0]);
  });
});

describe('OtelExporterSink', () => {
  it('skips malformed records, exports the rest and reports once per batch', async () => {
    const exporter = new InMemorySpanExporter();
    const errors: OtelBridgeError[] = [];
    const sink = new OtelExporterSink({ exporter, onError: (e) => errors.push(e) });
    await sink.write([
      record(),
      record({ traceId: 'nope' }),
      record({ spanId: 'ZZZZZZZZZZZZZZZZ' }),
      record({ startTime: Number.NaN }),
      null as unknown as SpanRecord,
    ]);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(sink.stats()).toMatchObject({ exportedSpans: 1, malformedSpans: 4 });
    expect(errors.map((e) => e.code)).toEqual(['MALFORMED_RECORD']);
    expect(errors[0]!.message).toMatch(/skipped 4 of 5/);
  });

  it('an exporter that throws from export() fails the batch without throwing', async () => {
    const sink = new OtelExporterSink({
      exporter: {
        export() {
          throw new Error('socket exploded');
        },
        shutdown: async () => {},
      },
      onError: () => {},
    });
    await expect(sink.write([record()])).rejects.toThrow(/socket exploded/);
    expect(sink.stats()).toMatchObject({ failedSpans: 1, spansInFlight: 0 });
  });

  it('uses OTEL_SERVICE_NAME when no serviceName is given', async () => {
    const exporter = new InMemorySpanExporter();
    const before = process.env.OTEL_SERVICE_NAME;
    process.env.OTEL_SERVICE_NAME = 'from-env';
    try {
      await new OtelExporterSink({ exporter }).write([record()]);
    } finally {
      if (before === undefined) delete process.env.OTEL_SERVICE_NAME;
      else process.env.OTEL_SERVICE_NAME = before;
    }
    expect(exporter.getFinishedSpans()[0]!.resource.attributes['service.name']).toBe('from-env');
  });

  it('validates its options, naming the option', () => {
    const exporter = new InMemorySpanExporter();
    expect(() => new OtelExporterSink(undefined as never)).toThrow(TypeError);
    expect(() => new OtelExporterSink({ exporter: {} as never })).toThrow(/`exporter`/);
    expect(() => new OtelExporterSink({ exporter, serviceName: '' })).toThrow(/`serviceName`/);
    expect(() => new OtelExporterSink({ exporter, maxConcurrentExports: 0 })).toThrow(RangeError);
    expect(() => new OtelExporterSink({ exporter, maxConcurrentExports: Number.NaN })).toThrow(
      /maxConcurrentExports/,
    );
    expect(() => new OtelExporterSink({ exporter, meterProvider: {} as never })).toThrow(
      /`meterProvider`/,
    );
    expect(String(new OtelExporterSink({ exporter, serviceName: 's' }))).toBe(
      'OtelExporterSink{exporter=InMemorySpanExporter, serviceName=s, maxConcurrentExports=2, exported=0, failed=0, dropped=0}',
    );
  });

  it('a factory returning something else is reported, not thrown', () => {
    const errors: OtelBridgeError[] = [];
    const sink = new OtelExporterSink({
      exporter: () => 42 as never,
      onError: (e) => errors.push(e),
    });
    expect(sink.exporter).toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['EXPORTER_CONSTRUCTOR']);
  });
});

// A misspelt option is refused with a TypeError naming it and the option it most likely meant,
// instead of being ignored while its default is used.
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { OtelExporterSink } from '../src/index.js';

it('OtelExporterSink refuses a misspelt option', () => {
  expect(
    () =>
      new OtelExporterSink({
        exporter: new InMemorySpanExporter(),
        servicename: 'shop',
      } as never),
  ).toThrow(
    new TypeError(
      'Unknown option "servicename" for OtelExporterSink (did you mean `serviceName`?); known options: exporter, serviceName, resourceAttributes, meterProvider, maxConcurrentExports, onError',
    ),
  );
});

// A misspelt option is refused with a TypeError naming it and the option it most likely meant,
// instead of being ignored while its default is used.
import { describe, expect, it } from 'vitest';
import { InMemorySink, JsonLinesSink, TeeSink } from '../src/index.js';

describe('the sinks refuse a misspelt option', () => {
  it('InMemorySink', () => {
    expect(() => new InMemorySink({ maxSpan: 5 } as never)).toThrow(
      new TypeError(
        'Unknown option "maxSpan" for InMemorySink (did you mean `maxSpans`?); known options: maxSpans',
      ),
    );
  });

  it('JsonLinesSink', () => {
    expect(() => new JsonLinesSink({ destination: 1, maxBufferBytes: 5 } as never)).toThrow(
      new TypeError(
        'Unknown option "maxBufferBytes" for JsonLinesSink (did you mean `maxBufferedBytes`?); known options: destination, maxBufferedBytes, onError',
      ),
    );
  });

  it('TeeSink', () => {
    const sinks = [new InMemorySink(), new InMemorySink()];
    expect(() => new TeeSink(sinks, { branchTimeout: 5 } as never)).toThrow(
      new TypeError(
        'Unknown option "branchTimeout" for TeeSink (did you mean `branchTimeoutMs`?); known options: branchTimeoutMs, maxPendingPerBranch, onError',
      ),
    );
    expect(() => new TeeSink(sinks, null as never)).toThrow(
      new TypeError('Expected `options` to be an object, got null'),
    );
  });
});

import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsistentRateLimitingSampler } from '../src/ConsistentRateLimitingSampler.js';
import { samplerFromEnv } from '../src/samplerFromEnv.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

function rootOf(env: Record<string, string | undefined>): string {
  return /root=(RateLimitingSampler\{[^}]*\})/.exec(samplerFromEnv(env).toString())?.[1] ?? '';
}

// The "warn once" memory is per process; each test uses a fresh module instance.
async function freshSamplerFromEnv(): Promise<typeof samplerFromEnv> {
  vi.resetModules();
  return (await import('../src/samplerFromEnv.js')).samplerFromEnv;
}

describe('samplerFromEnv', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a huge but valid rate never takes the service down (no throw at start-up)', () => {
    expect(rootOf({ FERRET_SAMPLER_MAX_TRACES_PER_SECOND: '1e16' })).toBe(
      'RateLimitingSampler{maxTracesPerSecond=10000000000000000, burst=10000000000000000}',
    );
    expect(
      rootOf({ OTEL_TRACES_SAMPLER: 'ferret_ratelimited', OTEL_TRACES_SAMPLER_ARG: '1e20' }),
    ).toBe(
      'RateLimitingSampler{maxTracesPerSecond=100000000000000000000, burst=100000000000000000000}',
    );
  });

  it('defaults to 100 traces per second', () => {
    expect(rootOf({})).toBe('RateLimitingSampler{maxTracesPerSecond=100, burst=100}');
  });

  it('reads FERRET_SAMPLER_MAX_TRACES_PER_SECOND', () => {
    expect(rootOf({ FERRET_SAMPLER_MAX_TRACES_PER_SECOND: '25' })).toBe(
      'RateLimitingSampler{maxTracesPerSecond=25, burst=25}',
    );
    expect(rootOf({ FERRET_SAMPLER_MAX_TRACES_PER_SECOND: ' 0.5 ' })).toBe(
      'RateLimitingSampler{maxTracesPerSecond=0.5, burst=1}',
    );
  });

  it('reads OTEL_TRACES_SAMPLER_ARG only when OTEL_TRACES_SAMPLER=ferret_ratelimited', () => {
    expect(
      rootOf({ OTEL_TRACES_SAMPLER: 'ferret_ratelimited', OTEL_TRACES_SAMPLER_ARG: '40' }),
    ).toBe('RateLimitingSampler{maxTracesPerSecond=40, burst=40}');
    // for traceidratio the argument is a ratio, not a rate: not ours to read
    expect(rootOf({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toBe(
      'RateLimitingSampler{maxTracesPerSecond=100, burst=100}',
    );
  });

  it('OTEL_TRACES_SAMPLER=ferret_consistent_ratelimited gives the consistent sampler, ARG its target', () => {
    for (const name of [
      'ferret_consistent_ratelimited',
      'parentbased_ferret_consistent_ratelimited',
      ' Ferret_Consistent_RateLimited ',
    ]) {
      const sampler = samplerFromEnv({ OTEL_TRACES_SAMPLER: name, OTEL_TRACES_SAMPLER_ARG: '40' });
      expect(sampler).toBeInstanceOf(ConsistentRateLimitingSampler);
      expect(sampler.toString()).toBe(
        'ConsistentRateLimitingSampler{targetTracesPerSecond=40, adaptationTimeMs=1000}',
      );
    }
    // our own variable wins here too; the default target is 100
    expect(
      samplerFromEnv({
        OTEL_TRACES_SAMPLER: 'ferret_consistent_ratelimited',
        OTEL_TRACES_SAMPLER_ARG: '40',
        FERRET_SAMPLER_MAX_TRACES_PER_SECOND: '7',
      }).toString(),
    ).toMatch(/targetTracesPerSecond=7,/);
    expect(
      samplerFromEnv({ OTEL_TRACES_SAMPLER: 'ferret_consistent_ratelimited' }).toString(),
    ).toMatch(/targetTracesPerSecond=100,/);
    // it samples and writes th
    const result = samplerFromEnv({
      OTEL_TRACES_SAMPLER: 'ferret_consistent_ratelimited',
    }).shouldSample(ROOT_CONTEXT, TRACE_ID, 'root', SpanKind.SERVER, {}, []);
    expect(result.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(result.traceState?.get('ot')).toBe('th:0');
  });

  it('accepts parentbased_ferret_ratelimited as ferret_ratelimited (it is parent-based already)', () => {
    expect(
      rootOf({
        OTEL_TRACES_SAMPLER: 'parentbased_ferret_ratelimited',
        OTEL_TRACES_SAMPLER_ARG: '40',
      }),
    ).toBe('RateLimitingSampler{maxTracesPerSecond=40, burst=40}');
  });

  it('prefers FERRET_SAMPLER_MAX_TRACES_PER_SECOND over the OTEL pair', () => {
    expect(
      rootOf({
        FERRET_SAMPLER_MAX_TRACES_PER_SECOND: '7',
        OTEL_TRACES_SAMPLER: 'ferret_ratelimited',
        OTEL_TRACES_SAMPLER_ARG: '40',
      }),
    ).toBe('RateLimitingSampler{maxTracesPerSecond=7, burst=7}');
  });

  it('treats empty values as unset, without warning', async () => {
    const fromEnv = await freshSamplerFromEnv();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    expect(fromEnv({ FERRET_SAMPLER_MAX_TRACES_PER_SECOND: '  ' }).toString()).toContain(
      'maxTracesPerSecond=100,',
    );
    expect(warn).not.toHaveBeenCalled();
  });

  it.each(['abc', '-5', '0', 'NaN', 'Infinity', '1e400', '0x10', '12abc', '1,5'])(
    'warns once naming the variable and uses the default for %j',
    async (value) => {
      const fromEnv = await freshSamplerFromEnv();
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
      const env = { FERRET_SAMPLER_MAX_TRACES_PER_SECOND: value };
      const sampler = fromEnv(env);
      expect(sampler.toString()).toContain(
        'RateLimitingSampler{maxTracesPerSecond=100, burst=100}',
      );
      fromEnv(env);
      fromEnv(env);
      expect(warn).toHaveBeenCalledTimes(1);
      const [message, options] = warn.mock.calls[0]!;
      expect(String(message)).toContain('FERRET_SAMPLER_MAX_TRACES_PER_SECOND');
      expect(String(message)).toContain(JSON.stringify(value));
      expect(options).toMatchObject({ code: 'FERRET_ENV' });
      // the sampler built from a bad value still works
      const result = sampler.shouldSample(ROOT_CONTEXT, TRACE_ID, 'x', SpanKind.SERVER, {}, []);
      expect(result.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    },
  );

  it('warns about a malformed OTEL_TRACES_SAMPLER_ARG by name, and falls back', async () => {
    const fromEnv = await freshSamplerFromEnv();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const sampler = fromEnv({
      OTEL_TRACES_SAMPLER: 'ferret_ratelimited',
      OTEL_TRACES_SAMPLER_ARG: 'fast',
    });
    expect(sampler.toString()).toContain('maxTracesPerSecond=100,');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('OTEL_TRACES_SAMPLER_ARG');
  });

  it('a malformed FERRET variable does not hide a valid OTEL pair', async () => {
    const fromEnv = await freshSamplerFromEnv();
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const sampler = fromEnv({
      FERRET_SAMPLER_MAX_TRACES_PER_SECOND: 'lots',
      OTEL_TRACES_SAMPLER: 'ferret_ratelimited',
      OTEL_TRACES_SAMPLER_ARG: '12',
    });
    expect(sampler.toString()).toContain('maxTracesPerSecond=12,');
  });

  it('reads process.env by default and passes other options through', () => {
    vi.stubEnv('FERRET_SAMPLER_MAX_TRACES_PER_SECOND', '3');
    try {
      const sampler = samplerFromEnv(undefined, { burst: 9 });
      expect(sampler.toString()).toContain('RateLimitingSampler{maxTracesPerSecond=3, burst=9}');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('samplerFromEnv warnings quote untrusted values safely', () => {
  it('escapes control characters and cuts a huge value to 64 characters', async () => {
    const fresh = await freshSamplerFromEnv();
    const warnings: string[] = [];
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(((message: string) => {
      warnings.push(message);
    }) as typeof process.emitWarning);
    try {
      fresh({ FERRET_SAMPLER_MAX_TRACES_PER_SECOND: `x\u001b[2J\r\n${'y'.repeat(1_000_000)}` });
    } finally {
      spy.mockRestore();
    }
    expect(warnings).toHaveLength(1);
    expect([...warnings[0]!].some((char) => char.charCodeAt(0) < 0x20)).toBe(false);
    expect(warnings[0]).toContain('\\u001b[2J\\r\\n');
    expect(warnings[0]!.length).toBeLessThan(400);
  });
});

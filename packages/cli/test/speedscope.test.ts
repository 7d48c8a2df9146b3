import type { SpanRecord } from '@ferret/profiler';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRAME_NAME_CHARS } from '../src/flameExport.js';
import { toSpeedscope } from '../src/speedscope.js';
import { flatten, node, span } from './support/spans.js';
import {
  frameName,
  intervals,
  stackProblem,
  validateSpeedscope,
} from './support/speedscopeChecks.js';

function expectValid(file: ReturnType<typeof toSpeedscope>): void {
  expect(validateSpeedscope(file), JSON.stringify(validateSpeedscope.errors)).toBe(true);
  for (const profile of file.profiles) expect(stackProblem(profile), profile.name).toBeUndefined();
}

/** The named frames of a profile as `name@start-end` strings, outermost first. */
function described(file: ReturnType<typeof toSpeedscope>, profileIndex: number): string[] {
  const profile = file.profiles[profileIndex]!;
  return intervals(profile)
    .sort((a, b) => a.start - b.start || a.depth - b.depth)
    .map((i) => `${'  '.repeat(i.depth)}${frameName(file, i.frame)}@${i.start}-${i.end}`);
}

describe('toSpeedscope', () => {
  it('writes a sequential trace as one evented profile with exact nesting and times', () => {
    const root = node(span({ name: 'GET /users', start: 0, duration: 100 }), [
      node(span({ name: 'db.query', start: 10, duration: 30 }), [
        node(span({ name: 'pool.acquire', start: 10, duration: 2 })),
      ]),
      node(span({ name: 'render', start: 50, duration: 40 })),
    ]);
    const file = toSpeedscope(flatten(root), { name: 'ferret run-1', exporter: 'test' });
    expectValid(file);
    expect(file.profiles).toHaveLength(1);
    expect(file.profiles[0]).toMatchObject({
      type: 'evented',
      unit: 'milliseconds',
      startValue: 0,
      endValue: 100,
      name: `GET /users · ${'a'.repeat(8)}`,
    });
    expect(described(file, 0)).toEqual([
      'GET /users@0-100',
      '  db.query@10-40',
      '    pool.acquire@10-12',
      '  render@50-90',
    ]);
    expect(file.name).toBe('ferret run-1');
    expect(file.exporter).toBe('test');
    expect(file.activeProfileIndex).toBe(0);
  });

  it('cuts and escapes names read from the file in frames and profile names, as every view does', () => {
    const long = `\u001b[2J${'y'.repeat(1_000_000)}`;
    const root = node(span({ name: long, start: 0, duration: 10 }), [
      node(span({ name: long, start: 1, duration: 2 })),
    ]);
    const file = toSpeedscope(flatten(root), { name: `ferret ${long}` });
    expectValid(file);
    expect(file.shared.frames).toHaveLength(1);
    const frame = file.shared.frames[0]!.name;
    expect(frame).toHaveLength(FRAME_NAME_CHARS);
    expect(frame.startsWith('\\x1b[2Jyyy')).toBe(true);
    expect(frame.endsWith('…')).toBe(true);
    expect(file.profiles[0]!.name).toBe(`${frame} · ${'a'.repeat(8)}`);
    expect(file.name).toHaveLength(FRAME_NAME_CHARS);
    expect(JSON.stringify(file).length).toBeLessThan(3 * FRAME_NAME_CHARS + 1000);
  });

  it('shares one frame per span name across traces', () => {
    const a = node(span({ name: 'job', start: 0, duration: 5, traceId: '1'.repeat(32) }), [
      node(span({ name: 'step', start: 1, duration: 1 })),
    ]);
    const b = node(span({ name: 'job', start: 10, duration: 5, traceId: '2'.repeat(32) }), [
      node(span({ name: 'step', start: 11, duration: 1 })),
    ]);
    const file = toSpeedscope([...flatten(a), ...flatten(b)]);
    expectValid(file);
    expect(file.shared.frames).toEqual([{ name: 'job' }, { name: 'step' }]);
    expect(file.profiles).toHaveLength(2);
    // Each trace is timed from its own first span.
    expect(described(file, 1)).toEqual(['job@0-5', '  step@1-2']);
  });

  it('moves Promise.all siblings that overlap to extra lanes under their ancestors, keeping exact times', () => {
    // GET /page ─┬─ fetch.a 10..60
    //            ├─ fetch.b 12..40   (overlaps a)
    //            ├─ fetch.c 15..30   (overlaps a and b)
    //            └─ fetch.d 45..55   (overlaps a only: fits the lane b left)
    const root = node(span({ name: 'GET /page', start: 0, duration: 80 }), [
      node(span({ name: 'fetch.a', start: 10, duration: 50 })),
      node(span({ name: 'fetch.b', start: 12, duration: 28 }), [
        node(span({ name: 'parse', start: 35, duration: 4 })),
      ]),
      node(span({ name: 'fetch.c', start: 15, duration: 15 })),
      node(span({ name: 'fetch.d', start: 45, duration: 10 })),
    ]);
    const file = toSpeedscope(flatten(root));
    expectValid(file);
    expect(file.profiles.map((p) => p.name)).toEqual([
      `GET /page · aaaaaaaa · lane 1/3`,
      `GET /page · aaaaaaaa · lane 2/3`,
      `GET /page · aaaaaaaa · lane 3/3`,
    ]);
    expect(described(file, 0)).toEqual(['GET /page@0-80', '  fetch.a@10-60']);
    expect(described(file, 1)).toEqual([
      'GET /page@12-40',
      '  fetch.b@12-40',
      '    parse@35-39',
      'GET /page@45-55',
      '  fetch.d@45-55',
    ]);
    expect(described(file, 2)).toEqual(['GET /page@15-30', '  fetch.c@15-30']);
    // All lanes share the trace's time axis so switching profiles keeps spans aligned.
    expect(new Set(file.profiles.map((p) => `${p.startValue}-${p.endValue}`))).toEqual(
      new Set(['0-80']),
    );
  });

  it('moves a child that outlives its parent (fire-and-forget) to another lane', () => {
    const root = node(span({ name: 'handler', start: 0, duration: 10 }), [
      node(span({ name: 'audit.write', start: 5, duration: 20 })),
    ]);
    const file = toSpeedscope(flatten(root));
    expectValid(file);
    expect(file.profiles).toHaveLength(2);
    expect(described(file, 0)).toEqual(['handler@0-10']);
    expect(described(file, 1)).toEqual(['handler@5-25', '  audit.write@5-25']);
    expect(file.profiles[0]!.endValue).toBe(25);
  });

  it('treats float noise at a child end as nesting, clamped to the parent', () => {
    const base = 1_700_000_000_123.456;
    const parent = span({ name: 'p', start: 0, duration: 3.3 }, base);
    const child = span({ name: 'c', start: 1.1, duration: 2.2000000001 }, base);
    child.parentSpanId = parent.spanId;
    const file = toSpeedscope([parent, child]);
    expectValid(file);
    expect(file.profiles).toHaveLength(1);
    const [outer, inner] = intervals(file.profiles[0]!).sort((a, b) => a.depth - b.depth);
    expect(inner!.end).toBe(outer!.end);
  });

  it('keeps spans whose parent is missing or cyclic as roots instead of dropping them', () => {
    const orphan = span({ name: 'orphan', start: 0, duration: 5, parentSpanId: 'f'.repeat(16) });
    const a = span({ name: 'a', start: 10, duration: 5 });
    const b = span({ name: 'b', start: 11, duration: 1 });
    a.parentSpanId = b.spanId;
    b.parentSpanId = a.spanId;
    const file = toSpeedscope([orphan, a, b]);
    expectValid(file);
    const names = file.profiles.flatMap((p) => intervals(p)).map((i) => frameName(file, i.frame));
    expect(names.sort()).toEqual(['a', 'b', 'orphan']);
  });

  it('opens on the slowest trace', () => {
    const fast = span({ name: 'fast', start: 0, duration: 1, traceId: '1'.repeat(32) });
    const slow = span({ name: 'slow', start: 5, duration: 50, traceId: '2'.repeat(32) });
    const file = toSpeedscope([fast, slow]);
    expect(file.profiles[file.activeProfileIndex!]!.name).toMatch(/^slow/);
  });

  it('writes an empty but valid file for no spans', () => {
    const file = toSpeedscope([]);
    expectValid(file);
    expect(file.profiles).toEqual([]);
    expect(file.activeProfileIndex).toBeUndefined();
  });

  it('produces a valid stack and every span at its exact time, for any async tree', () => {
    // Random trees where children start inside their parent but may overlap each other and
    // may end after their parent (async work the parent did not await). Span i's parent is one
    // of spans 0..i-1; span 0 is the root.
    const shape = fc.array(
      fc.record({
        parent: fc.nat(),
        offset: fc.integer({ min: 0, max: 50 }),
        duration: fc.integer({ min: 0, max: 60 }),
        name: fc.constantFrom('a', 'b', 'c', 'd'),
      }),
      { minLength: 1, maxLength: 40 },
    );
    fc.assert(
      fc.property(shape, (shapes) => {
        const spans: SpanRecord[] = [];
        const starts: number[] = [];
        shapes.forEach((s, i) => {
          const parent = i === 0 ? undefined : s.parent % i;
          const start = (parent === undefined ? 0 : starts[parent]!) + s.offset;
          starts.push(start);
          const record = span({ name: s.name, start, duration: s.duration });
          if (parent !== undefined) record.parentSpanId = spans[parent]!.spanId;
          spans.push(record);
        });
        const file = toSpeedscope(spans);
        expect(validateSpeedscope(file)).toBe(true);
        for (const profile of file.profiles) expect(stackProblem(profile)).toBeUndefined();
        // Each span appears as a frame with its own name and exact [start, end] in some lane.
        const base = Math.min(...spans.map((s) => s.startTime));
        const available = file.profiles
          .flatMap((p) => intervals(p))
          .map((i) => `${frameName(file, i.frame)}@${i.start}-${i.end}`);
        for (const s of spans) {
          const key = `${s.name}@${s.startTime - base}-${s.startTime - base + s.duration}`;
          const index = available.indexOf(key);
          expect(index, key).toBeGreaterThanOrEqual(0);
          available.splice(index, 1);
        }
      }),
      { numRuns: 300 },
    );
  });
});

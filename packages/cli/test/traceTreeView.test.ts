import { describe, expect, it } from 'vitest';
import { Palette, stripAnsi } from '../src/Palette.js';
import { renderTraceTree } from '../src/traceTreeView.js';
import { node, span, tree } from './support/spans.js';

function sampleTree() {
  return tree(
    node(
      span({ name: 'GET /users', start: 0, duration: 100, attributes: { 'http.method': 'GET' } }),
      [
        node(
          span({
            name: 'db.query',
            start: 2,
            duration: 60,
            attributes: { table: 'users', rows: 12 },
          }),
          [node(span({ name: 'pool.acquire', start: 2, duration: 1 }))],
        ),
        node(
          span({
            name: 'render',
            start: 70,
            duration: 25,
            status: 'error',
            attributes: { 'error.type': 'TypeError', 'error.message': 'bad\ntemplate' },
          }),
        ),
      ],
    ),
  );
}

describe('renderTraceTree', () => {
  it('prints one indented line per span with duration, offset, attributes and error marks', () => {
    const lines = renderTraceTree(sampleTree(), new Palette(false));
    expect(lines).toEqual([
      `trace ${'a'.repeat(32)}  100 ms  4 spans`,
      'GET /users  100 ms  http.method="GET"',
      '├─ db.query  60.0 ms  +2.00 ms  table="users" rows=12',
      '│  └─ pool.acquire  1.00 ms  +2.00 ms',
      '└─ render  25.0 ms  +70.0 ms  ✗ TypeError: bad template',
    ]);
  });

  it('colours durations by their share of the trace', () => {
    const lines = renderTraceTree(sampleTree(), new Palette(true));
    expect(lines[1]).toContain('\u001b[31m100 ms'); // root: 100% → red
    expect(lines[2]).toContain('\u001b[31m60.0 ms'); // 60% → red
    expect(lines[3]).toContain('\u001b[32m1.00 ms'); // 1% → green
    expect(lines[4]).toContain('\u001b[33m25.0 ms'); // 25% → yellow
    expect(lines[4]).toContain('\u001b[31m✗ TypeError');
    expect(lines.map(stripAnsi)).toEqual(renderTraceTree(sampleTree(), new Palette(false)));
  });

  it('shows sampling weight, thread, service and truncated children on the header and root', () => {
    const t = tree(
      node(
        span({
          name: 'job',
          start: 0,
          duration: 5,
          weight: 4,
          threadId: 3,
          serviceName: 'api',
          truncatedChildren: 1500,
        }),
      ),
    );
    const lines = renderTraceTree(t, new Palette(false));
    expect(lines[0]).toBe(
      `trace ${'a'.repeat(32)}  5.00 ms  1 span  weight ×4  thread 3  service api`,
    );
    expect(lines[1]).toBe('job  5.00 ms  (+1,500 not recorded: trace cap)');
  });

  it('marks an error without details and cuts long attribute values', () => {
    const t = tree(
      node(
        span({
          name: 'x',
          start: 0,
          duration: 1,
          status: 'error',
          attributes: { q: 'y'.repeat(100) },
        }),
      ),
    );
    const [, line] = renderTraceTree(t, new Palette(false));
    expect(line).toBe(`x  1.00 ms  q="${'y'.repeat(58)}…  ✗ error`);
  });

  it('stops after maxSpans lines and says how many were left out', () => {
    const children = Array.from({ length: 10 }, (_, i) =>
      node(span({ name: `c${i}`, start: i, duration: 1 })),
    );
    const lines = renderTraceTree(
      tree(node(span({ name: 'root', start: 0, duration: 20 }), children)),
      new Palette(false),
      4,
    );
    expect(lines).toHaveLength(1 + 4 + 1);
    expect(lines.at(-1)).toBe('… 7 more spans not shown');
  });
});

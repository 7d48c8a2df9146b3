// End to end: a real database whose names, run ids, attribute keys, error messages and service
// name hold terminal control sequences, and a 1 MB span name. Every human-readable output must
// print them escaped and cut; --json must carry them exactly.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanRecord } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { beforeAll, describe, expect, it } from 'vitest';
import { FRAME_NAME_CHARS } from '../src/flameExport.js';
import { main } from '../src/index.js';
import { stripAnsi } from '../src/Palette.js';
import { captureIo } from './support/captureIo.js';

const CLEAR_SCREEN = '\u001b[2J';
const OSC_TITLE = '\u001b]0;owned\u0007';
const OSC_LINK = '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\';
const C1_CSI = '\u009b31m';
const BIDI = 'abc\u202etxt.exe';
const HUGE_NAME = `huge${'n'.repeat(1024 * 1024)}`;
const RUN_ID = `run${CLEAR_SCREEN}x`;

/** A terminal acts on these: C0 (but the line feeds ending lines), DEL, C1, separators, bidi. */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it matches.
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Longest line any human output may print with these names (tables pad, trees indent). */
const MAX_LINE = 600;

function expectSafe(text: string): void {
  expect(text).not.toMatch(UNSAFE);
  for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(MAX_LINE);
}

async function run(argv: string[], options?: Parameters<typeof captureIo>[0]) {
  const capture = captureIo(options);
  const code = await main(argv, capture.io);
  return { code, stdout: capture.stdout, stderr: capture.stderr };
}

function buildSpans(): SpanRecord[] {
  const t0 = Date.UTC(2025, 5, 1);
  const base = {
    traceId: 'f'.repeat(32),
    status: 'ok' as const,
    pid: 1,
    threadId: 0,
    weight: 1,
    runId: RUN_ID,
  };
  const root: SpanRecord = {
    ...base,
    spanId: '1'.repeat(16),
    name: `GET /${CLEAR_SCREEN}`,
    startTime: t0,
    duration: 100,
    status: 'error',
    serviceName: `svc${OSC_TITLE}`,
    attributes: {
      [`key${CLEAR_SCREEN}`]: `value${C1_CSI}`,
      'error.type': `Err${OSC_LINK}`,
      'error.message': `line one\r\n${OSC_TITLE}line two${BIDI}`,
    },
  };
  const names = [OSC_TITLE, OSC_LINK, `cr\rlf\nname`, C1_CSI, BIDI, HUGE_NAME];
  const children = names.map(
    (name, i): SpanRecord => ({
      ...base,
      spanId: (i + 2).toString(16).padStart(16, '0'),
      parentSpanId: root.spanId,
      name,
      startTime: t0 + i * 10,
      duration: 5,
      attributes: {},
    }),
  );
  return [root, ...children];
}

describe('human output of a database holding control characters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-untrusted-'));
  const db = join(dir, 'hostile.db');
  const spans = buildSpans();

  beforeAll(async () => {
    const store = new SqliteSpanStore({
      path: db,
      worker: false,
      onError: (error) => {
        throw error;
      },
    });
    store.write(spans);
    await store.close();
  });

  it('runs: the run id and service name escaped', async () => {
    const { code, stdout, stderr } = await run(['runs', db]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expectSafe(stdout);
    expect(stdout).toContain('run\\x1b[2Jx');
  });

  it('analyze: every name escaped, the 1 MB name cut with an ellipsis', async () => {
    const { code, stdout, stderr } = await run(['analyze', db]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expectSafe(stdout);
    expect(stdout).toContain('run run\\x1b[2Jx');
    expect(stdout).toContain('GET /\\x1b[2J');
    expect(stdout).toContain('\\x1b]0;owned\\x07');
    expect(stdout).toContain('\\x1b]8;;https://evil.example\\x1b\\click');
    expect(stdout).toContain('cr\\rlf\\nname');
    expect(stdout).toContain('\\x9b31m');
    expect(stdout).toContain('abc\\u{202e}txt.exe');
    expect(stdout).toMatch(/^hugen{50,}…\s/m);
    // Header line, table header, one row per name, the two legend lines: no name broke a line.
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 7 + 2);
    expect(lines.at(-1)).toMatch(/^≈ calls are estimates/);
  });

  it('analyze on a colour terminal: only the palette’s own styling', async () => {
    const { stdout } = await run(['analyze', db], { isTTY: true });
    expect(stdout).toContain('\u001b[1m');
    expectSafe(stripAnsi(stdout));
  });

  it('analyze --tree: names, attribute keys and values, error type and message escaped', async () => {
    const { code, stdout, stderr } = await run(['analyze', db, '--tree']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expectSafe(stdout);
    expect(stdout).toContain('key\\x1b[2J="value\\x9b31m"');
    expect(stdout).toContain('service svc\\x1b]0;owned\\x07');
    expect(stdout).toContain(
      '✗ Err\\x1b]8;;https://evil.example\\x1b\\click\\x1b]8;;\\x1b\\: line one \\x1b]0;owned\\x07line two',
    );
    expect(stdout).toMatch(/└─ hugen{50,}… {2}5\.00 ms/);
    const colour = await run(['analyze', db, '--tree'], { isTTY: true });
    expectSafe(stripAnsi(colour.stdout));
  });

  it('export -o: the confirmation line escaped', async () => {
    const out = join(dir, 'out.json');
    const { code, stdout, stderr } = await run(['export', db, '-o', out]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expectSafe(stdout);
    expect(stdout).toContain('of run run\\x1b[2Jx');
  });

  it('errors: a store message quoting run ids from the file is escaped, on one line', async () => {
    const { code, stdout, stderr } = await run(['analyze', db, '--run', `nope${OSC_TITLE}`]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expectSafe(stderr);
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).toContain('run\\x1b[2Jx');
    expect(stderr).toContain('nope\\x1b]0;owned\\x07');
  });

  it('--json keeps every string exact, the 1 MB name included; the speedscope export cuts it', async () => {
    const analyze = JSON.parse((await run(['analyze', db, '--json'])).stdout) as {
      runId: string;
      rows: Array<{ name: string }>;
    };
    expect(analyze.runId).toBe(RUN_ID);
    expect(analyze.rows.map((row) => row.name).sort()).toEqual(spans.map((s) => s.name).sort());
    const runs = JSON.parse((await run(['runs', db, '--json'])).stdout) as Array<{
      runId: string;
    }>;
    expect(runs.map((r) => r.runId)).toEqual([RUN_ID]);
    const tree = JSON.parse((await run(['analyze', db, '--tree', '--json'])).stdout) as {
      traces: Array<{ root: { span: SpanRecord } }>;
    };
    expect(tree.traces[0]!.root.span.attributes).toEqual(spans[0]!.attributes);
    const out = join(dir, 'exact.json');
    await run(['export', db, '-o', out]);
    const frames = (
      JSON.parse(readFileSync(out, 'utf8')) as { shared: { frames: { name: string }[] } }
    ).shared.frames;
    // An exported file shows names as every other view does: escaped, cut at 500 characters.
    expect(frames.map((f) => f.name)).toContain(`${HUGE_NAME.slice(0, FRAME_NAME_CHARS - 1)}…`);
    expect(frames.every((f) => f.name.length <= FRAME_NAME_CHARS)).toBe(true);
  });
});

// `ferret report` end to end on real database files: the page's embedded data, escaping of
// hostile names, size bounds and the one-line errors.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanRecord } from '@ferret/profiler';
import { SqliteSpanStore } from '@ferret/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import type { ReportData } from '../src/report/ReportData.js';
import { scriptSafeJson } from '../src/report/renderReportHtml.js';
import { REPORT_LIMITS } from '../src/report/toReportData.js';
import { captureIo } from './support/captureIo.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferret-report-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2025, 6, 1, 12, 0, 0);
let seq = 0;
function span(fields: Partial<SpanRecord> & Pick<SpanRecord, 'name'>): SpanRecord {
  seq++;
  return {
    traceId: seq.toString(16).padStart(32, '0'),
    spanId: seq.toString(16).padStart(16, '0'),
    startTime: T0 + seq,
    duration: 2,
    status: 'ok',
    attributes: {},
    runId: 'run-x',
    pid: 1,
    threadId: 0,
    weight: 1,
    ...fields,
  };
}

async function database(name: string, spans: SpanRecord[]): Promise<string> {
  const path = join(dir, name);
  const store = new SqliteSpanStore({ path, worker: false });
  store.write(spans);
  await store.close();
  return path;
}

/** The JSON the page embeds, parsed back. */
function embeddedData(html: string): ReportData {
  const match = /<script type="application\/json" id="ferret-data">([^<]*)<\/script>/.exec(html);
  expect(match).not.toBeNull();
  return JSON.parse(match![1]!) as ReportData;
}

describe('ferret report', () => {
  it('writes one self-contained page whose data holds hostile names only as escaped JSON text', async () => {
    const hostile = '</script><script>alert(1)</script><!--\u001b]0;pwned\u0007\u2028';
    const huge = `GET /${'x'.repeat(10 * 1024 * 1024)}`;
    const db = await database('hostile.db', [
      span({ name: hostile, duration: 5 }),
      span({ name: huge, duration: 3 }),
      span({ name: 'ok', duration: 1 }),
    ]);
    const out = join(dir, 'hostile.html');
    const cli = captureIo();
    expect(await main(['report', db, '-o', out], cli.io)).toBe(0);
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(
      /^Wrote the report of run run-x \(3 spans, 3 names, [\d,]+ KiB\) to .*hostile\.html; open it in a browser\n$/,
    );
    const html = readFileSync(out, 'utf8');
    // Exactly the two script elements of the page: no name closed one or opened another.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain('<!--');
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain("default-src 'none'");
    // A 10 MB name is cut: the page stays small.
    expect(statSync(out).size).toBeLessThan(400 * 1024);
    const data = embeddedData(html);
    const names = data.summary.map((row) => row.name);
    expect(names).toContain('</script><script>alert(1)</script><!--\\x1b]0;pwned\\x07\\u{2028}');
    const cut = names.find((n) => n.startsWith('GET /'))!;
    expect(cut.length).toBeLessThanOrEqual(301);
    expect(cut.endsWith('…')).toBe(true);
    expect(data.stacks[6].map((frame) => data.names[frame[0]])).toEqual(
      expect.arrayContaining(['ok', cut]),
    );
    expect(data.empty).toBe(false);
  });

  it("says how many names have no histogram on the page, from the page's own limit", async () => {
    const spans: SpanRecord[] = [];
    for (let i = 0; i < REPORT_LIMITS.latencyNames + 10; i++) {
      spans.push(span({ name: `name-${i}`, duration: 1 + i }));
    }
    const db = await database('many-names.db', spans);
    const out = join(dir, 'many-names.html');
    expect(await main(['report', db, '-o', out], captureIo().io)).toBe(0);
    const data = embeddedData(readFileSync(out, 'utf8'));
    expect(data.latency).toHaveLength(REPORT_LIMITS.latencyNames);
    expect(data.notes).toContain(
      `10 names have no latency histogram (the page shows one for the ${REPORT_LIMITS.latencyNames} names with the most recorded time).`,
    );
  });

  it('stays under 2 MB whatever the names: many distinct long names and deep stacks are cut, and the page says so', async () => {
    // Names of 300 characters that the page's JSON escapes or encodes to 2 to 6 bytes each: 400
    // traces of 3 spans with distinct names, and 12 traces 200 spans deep (a name per level).
    const long = (tag: string) => `${tag}-${'<é&'.repeat(100)}`;
    const spans: SpanRecord[] = [];
    for (let i = 0; i < 400; i++) {
      const root = span({ name: long(`root-${i}`), duration: 10 + (i % 50) });
      const child = (name: string) =>
        span({ name, traceId: root.traceId, parentSpanId: root.spanId, duration: 2 });
      spans.push(child(long(`query-${i}`)), child(long(`render-${i}`)), root);
    }
    for (let t = 0; t < 12; t++) {
      let parent = span({ name: long('deep-0'), duration: 500 + t });
      const chain = [parent];
      for (let d = 1; d < 200; d++) {
        parent = span({
          name: long(`deep-${d}`),
          traceId: chain[0]!.traceId,
          parentSpanId: parent.spanId,
          duration: 500 - d,
        });
        chain.push(parent);
      }
      spans.push(...chain.reverse());
    }
    const db = await database('wide.db', spans);
    const out = join(dir, 'wide.html');
    expect(await main(['report', db, '-o', out], captureIo().io)).toBe(0);
    expect(statSync(out).size).toBeLessThan(2 * 1024 * 1024);
    const data = embeddedData(readFileSync(out, 'utf8'));
    // What was cut is on the page.
    expect(data.notes.join('\n')).toMatch(/ names are shortened to 40 characters/);
    expect(data.notes.join('\n')).toMatch(/ spans of the slowest traces are not drawn/);
    // The heaviest names keep their text (up to the display cut), later ones are shorter.
    expect(data.summary[0]!.name.length).toBeGreaterThan(250);
    expect(data.slowestTraces[0]!.spans.length).toBe(REPORT_LIMITS.waterfallSpans);
    const lengths = data.names.map((name) => name.length);
    expect(Math.min(...lengths)).toBeLessThanOrEqual(41);
  });

  it('escapes <, >, & and line separators in the embedded JSON, which still parses to the same value', () => {
    const value = { name: '</script><!-- & \u2028\u2029' };
    const json = scriptSafeJson(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('reports the run asked for, and fails in one line for an unknown run, an empty database or a bad output path', async () => {
    const db = await database('two.db', [
      span({ name: 'old', runId: 'run-old', startTime: T0 - 10_000 }),
      span({ name: 'new', runId: 'run-new' }),
    ]);
    const out = join(dir, 'old.html');
    const ok = captureIo();
    expect(await main(['report', db, '--run', 'run-old', '-o', out], ok.io)).toBe(0);
    expect(embeddedData(readFileSync(out, 'utf8')).summary.map((r) => r.name)).toEqual(['old']);

    const unknown = captureIo();
    expect(await main(['report', db, '--run', 'nope', '-o', join(dir, 'x.html')], unknown.io)).toBe(
      1,
    );
    expect(unknown.stderr).toMatch(/^ferret: .*has no run "nope".*\n$/);
    expect(existsSync(join(dir, 'x.html'))).toBe(false);

    const emptyDb = join(dir, 'empty.db');
    await new SqliteSpanStore({ path: emptyDb, worker: false }).close();
    const empty = captureIo();
    expect(await main(['report', emptyDb, '-o', join(dir, 'y.html')], empty.io)).toBe(1);
    expect(empty.stderr).toMatch(/^ferret: .*holds no runs yet\n$/);

    const badOut = captureIo();
    expect(await main(['report', db, '-o', join(dir, 'missing', 'dir', 'r.html')], badOut.io)).toBe(
      1,
    );
    expect(badOut.stderr).toBe(
      `ferret: cannot write ${join(dir, 'missing', 'dir', 'r.html')}: the directory ${join(dir, 'missing', 'dir')} does not exist\n`,
    );
    expect(badOut.stderr.split('\n')).toHaveLength(2);

    const existing = captureIo();
    expect(await main(['report', db, '--run', 'run-old', '-o', out], existing.io)).toBe(1);
    expect(existing.stderr).toMatch(
      /^ferret: .*old\.html already exists \(pass --force to replace it\)\n$/,
    );
    const forced = captureIo();
    expect(await main(['report', db, '-o', out, '--force'], forced.io)).toBe(0);
    expect(embeddedData(readFileSync(out, 'utf8')).summary.map((r) => r.name)).toEqual(['new']);
    const ontoDb = captureIo();
    expect(await main(['report', db, '-o', db, '--force'], ontoDb.io)).toBe(1);
    expect(ontoDb.stderr).toMatch(/^ferret: refusing to write to .*two\.db/);

    const missing = captureIo();
    expect(await main(['report', join(dir, 'nothing.db')], missing.io)).toBe(1);
    expect(missing.stderr.split('\n')).toHaveLength(2);
  });
});

import type { CountRecord } from '@ferret/profiler';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanWriter } from '../src/SpanWriter.js';
import { encodeSpanBatch } from '../src/spanBatch.js';
import { span } from './helpers.js';

let writer: SpanWriter | undefined;
afterEach(() => {
  writer?.close();
  writer = undefined;
});

function count(runId: string, name: string, start: number, end: number, dropped = 1): CountRecord {
  return {
    runId,
    name,
    calls: dropped + 1,
    recorded: 1,
    dropped,
    intervalStart: start,
    intervalEnd: end,
  };
}

/** A writer on a fresh in-memory database that logs every insert into and update of `runs`. */
function watchedWriter(): {
  writer: SpanWriter;
  runWrites: () => Array<{ kind: string; runId: string }>;
} {
  const created = new SpanWriter(':memory:');
  const db = created.database;
  db.exec(`
    CREATE TEMP TABLE run_writes (kind TEXT, run_id TEXT);
    CREATE TEMP TRIGGER run_inserted AFTER INSERT ON main.runs
      BEGIN INSERT INTO run_writes VALUES ('insert', new.run_id); END;
    CREATE TEMP TRIGGER run_updated AFTER UPDATE ON main.runs
      BEGIN INSERT INTO run_writes VALUES ('update', new.run_id); END;`);
  const select = db.prepare('SELECT kind, run_id AS runId FROM run_writes ORDER BY rowid');
  return {
    writer: created,
    runWrites: () => {
      const rows = select.all() as Array<{ kind: string; runId: string }>;
      db.exec('DELETE FROM run_writes');
      return rows;
    },
  };
}

function runRow(target: SpanWriter, runId: string) {
  return target.database
    .prepare('SELECT first_start, last_end, span_count, dropped FROM runs WHERE run_id = ?')
    .get(runId);
}

describe('SpanWriter.writeCounts', () => {
  it('writes each run row once per batch, however many count records the batch holds for it', () => {
    const watched = watchedWriter();
    writer = watched.writer;
    const batch: CountRecord[] = [];
    for (let i = 0; i < 300; i++) {
      batch.push(count(i % 3 === 0 ? 'run-b' : 'run-a', `name-${i}`, 1000 + i, 2000 + i));
    }
    expect(writer.writeCounts(batch)).toEqual({ written: 300, rejected: 0 });
    expect(watched.runWrites()).toEqual([
      { kind: 'insert', runId: 'run-b' },
      { kind: 'insert', runId: 'run-a' },
    ]);
    writer.writeCounts(batch.slice(0, 50));
    expect(watched.runWrites()).toEqual([
      { kind: 'update', runId: 'run-b' },
      { kind: 'update', runId: 'run-a' },
    ]);
    expect(writer.database.prepare('SELECT count(*) AS n FROM counts').get()).toEqual({ n: 350 });
  });

  it('gives a run without spans the earliest start, latest end and summed drops of its records', () => {
    writer = new SpanWriter(':memory:');
    writer.writeCounts([
      count('r', 'a', 500, 900, 2),
      count('r', 'b', 100, 600, 3),
      { name: 'broken' } as never,
      count('r', 'c', 300, 1200, 4),
    ]);
    expect(runRow(writer, 'r')).toEqual({
      first_start: 100,
      last_end: 1200,
      span_count: 0,
      dropped: 9,
    });
    writer.writeCounts([count('r', 'a', 50, 700, 1)]);
    expect(runRow(writer, 'r')).toEqual({
      first_start: 50,
      last_end: 1200,
      span_count: 0,
      dropped: 10,
    });
  });

  it('leaves the times of a run with spans to its spans, and still sums its drops', () => {
    writer = new SpanWriter(':memory:');
    writer.writeSpans(encodeSpanBatch([span({ runId: 'r', startTime: 1000, duration: 10 })]));
    writer.writeCounts([count('r', 'a', 1, 5000, 2), count('r', 'b', 2, 6000, 5)]);
    expect(runRow(writer, 'r')).toEqual({
      first_start: 1000,
      last_end: 1010,
      span_count: 1,
      dropped: 7,
    });
  });

  it('leaves the same runs and counts as writing each record in a batch of its own', () => {
    const record = fc.record({
      runId: fc.constantFrom('r1', 'r2', 'r3'),
      name: fc.constantFrom('a', 'b'),
      start: fc.integer({ min: 0, max: 1000 }),
      length: fc.integer({ min: 0, max: 1000 }),
      dropped: fc.integer({ min: 0, max: 50 }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(record, { maxLength: 20 }), { maxLength: 5 }), (batches) => {
        const whole = new SpanWriter(':memory:');
        const single = new SpanWriter(':memory:');
        try {
          // r3 has spans, so its times stay its spans'.
          const spans = encodeSpanBatch([span({ runId: 'r3', startTime: 400, duration: 100 })]);
          whole.writeSpans(spans);
          single.writeSpans(spans);
          for (const batch of batches) {
            const counts = batch.map((c) =>
              count(c.runId, c.name, c.start, c.start + c.length, c.dropped),
            );
            whole.writeCounts(counts);
            for (const c of counts) single.writeCounts([c]);
          }
          const dump = (target: SpanWriter) => [
            target.database.prepare('SELECT * FROM runs ORDER BY run_id').all(),
            target.database
              .prepare(
                'SELECT r.run_id, c.name, c.calls, c.recorded, c.dropped, c.interval_start, c.interval_end FROM counts c JOIN runs r USING (run_key) ORDER BY c.rowid',
              )
              .all(),
          ];
          expect(dump(whole)).toEqual(dump(single));
        } finally {
          whole.close();
          single.close();
        }
      }),
      { numRuns: 50 },
    );
  });
});

// Files with a valid Ferret header whose tables or values are not what Ferret writes: crafted
// (a view where a table belongs) or damaged (text in a REAL column, NULL where Ferret never
// writes one). Each must fail with one line (`DAMAGED`), quickly, never hang or crash.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpanReader, SqliteSpanStore } from '../src/index.js';
import { span, temporaryDirectory } from './helpers.js';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

/** A healthy Ferret database, then `damage` applied through a read-write connection. */
let files = 0;
async function damagedFile(damage: (db: Database.Database, path: string) => void): Promise<string> {
  const path = join(tmp.dir, `damaged-${++files}.db`);
  const store = new SqliteSpanStore({ path, worker: false });
  const root = span({ name: 'GET /', runId: 'r1' });
  store.write([
    root,
    span({ name: 'db.query', traceId: root.traceId, parentSpanId: root.spanId, runId: 'r1' }),
  ]);
  store.writeCounts([
    {
      name: 'GET /',
      runId: 'r1',
      calls: 3,
      recorded: 1,
      dropped: 2,
      intervalStart: 1,
      intervalEnd: 2,
    },
  ]);
  await store.close();
  const db = new Database(path);
  try {
    damage(db, path);
  } finally {
    db.close();
  }
  return path;
}

/** Rewrites a table's declared schema without touching its rows (how a NOT NULL gets lost). */
function redeclare(db: Database.Database, table: string, from: string, to: string): void {
  db.unsafeMode(true);
  db.pragma('writable_schema = ON');
  db.prepare('UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE name = ?').run(
    from,
    to,
    table,
  );
  db.pragma('writable_schema = OFF');
  db.unsafeMode(false);
}

const damaged = (detail: RegExp) =>
  expect.objectContaining({ code: 'DAMAGED', message: expect.stringMatching(detail) });

describe('a crafted schema is refused before any query runs', () => {
  it('`runs` as a recursive view: DAMAGED at open, at once (was a hang in every command)', async () => {
    const path = await damagedFile((db) => {
      db.exec(`DROP TABLE runs;
        CREATE VIEW runs AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)
        SELECT x AS run_key, 'r' || x AS run_id, NULL AS service_name, x AS first_start,
               x AS last_end, 0 AS span_count, 0 AS dropped FROM n;`);
    });
    expect(() => openSpanReader(path)).toThrow(damaged(/`runs` is a view, not a table$/));
  });

  it('a missing table or column: DAMAGED naming it', async () => {
    const noCounts = await damagedFile((db) => db.exec('DROP TABLE counts'));
    expect(() => openSpanReader(noCounts)).toThrow(damaged(/has no `counts` table$/));
    const noWeight = await damagedFile((db) => db.exec('ALTER TABLE spans DROP COLUMN weight'));
    expect(() => openSpanReader(noWeight)).toThrow(damaged(/`spans\.weight` is missing$/));
  });

  it('a NOT NULL dropped from the declaration: DAMAGED', async () => {
    const path = await damagedFile((db) =>
      redeclare(db, 'runs', 'run_id      TEXT    NOT NULL UNIQUE', 'run_id      TEXT    UNIQUE'),
    );
    expect(() => openSpanReader(path)).toThrow(
      damaged(/`runs\.run_id` is not declared as Ferret writes it/),
    );
  });
});

describe('values of the wrong type are a damaged file', () => {
  it('text in a REAL column: DAMAGED from every query that reads it (was "object null is not iterable")', async () => {
    const path = await damagedFile((db) =>
      db.exec(`UPDATE spans SET duration = 'slow' WHERE name = 'db.query'`),
    );
    const reader = openSpanReader(path);
    const detail =
      /damaged-\d+\.db is damaged: spans\.duration holds text where Ferret writes a number$/;
    expect(() => reader.summary()).toThrow(damaged(detail));
    expect(() => [...reader.spans()]).toThrow(damaged(detail));
    expect(() => reader.slowestTraces()).toThrow(damaged(detail));
    // Every pass over the run's spans checks the same way, with the same line: analyze (and
    // diff, which reads through it), stackTree (export), profile (report), recent (watch).
    expect(() => reader.analyze()).toThrow(damaged(detail));
    expect(() => reader.analyze({ by: 'db.table' })).toThrow(damaged(detail));
    expect(() => reader.stackTree()).toThrow(damaged(detail));
    expect(() => reader.profile()).toThrow(damaged(detail));
    const start = reader.runs()[0]!.firstStartTime;
    expect(() => reader.recent({ windowEnd: start + 1000, windowMs: 10_000 })).toThrow(
      damaged(detail),
    );
    // The reader stays usable for what is intact.
    expect(reader.runs().map((r) => r.runId)).toEqual(['r1']);
    reader.close();
  });

  it('NULL where Ferret never writes one: DAMAGED (was "Cannot read properties of null")', async () => {
    const path = await damagedFile((db) => {
      db.exec(`UPDATE runs SET first_start = 'yesterday'`);
    });
    const reader = openSpanReader(path);
    expect(() => reader.runs()).toThrow(
      damaged(/runs\.first_start holds text where Ferret writes a number/),
    );
    expect(() => reader.latestRunId()).toThrow(damaged(/runs\.first_start/));
    reader.close();

    // NOT NULL binds writers only: a file can hold a NULL under a NOT NULL declaration.
    const declared = 'run_id      TEXT    NOT NULL UNIQUE';
    const nullRun = await damagedFile((db, file) => {
      redeclare(db, 'runs', declared, 'run_id      TEXT    UNIQUE');
      // A schema change is seen by the next connection.
      const again = new Database(file);
      again.exec('UPDATE runs SET run_id = NULL');
      redeclare(again, 'runs', 'run_id      TEXT    UNIQUE', declared);
      again.close();
    });
    const second = openSpanReader(nullRun);
    expect(() => second.runs()).toThrow(
      damaged(/runs\.run_id holds NULL where Ferret writes text$/),
    );
    expect(() => second.summary()).toThrow(damaged(/runs\.run_id holds NULL/));
    second.close();
  });

  it('attributes or events that are not the JSON Ferret writes: DAMAGED', async () => {
    const path = await damagedFile((db) =>
      db.exec(`UPDATE spans SET attributes = '[1, 2' WHERE name = 'GET /'`),
    );
    const reader = openSpanReader(path);
    expect(() => [...reader.spans()]).toThrow(
      damaged(/spans\.attributes holds text that is not a JSON object$/),
    );
    reader.close();
    const events = await damagedFile((db) => db.exec(`UPDATE spans SET events = '{"name":1}'`));
    const second = openSpanReader(events);
    expect(() => [...second.spans()]).toThrow(damaged(/spans\.events/));
    second.close();
  });
});

describe('a weight beyond what any sampler writes is a damaged file', () => {
  // A file written before weights were bounded, with one trace whose forged tracestate
  // (`ferret=p:1e-300`) gave it weight 1e300: refused, not turned into estimates of 10^300.
  for (const weight of [1e300, 2 ** 20 + 1, 0.5]) {
    it(`weight ${weight}: DAMAGED from summary, spans, analyze, stackTree and runs`, async () => {
      const path = await damagedFile((db) => {
        db.prepare(`UPDATE spans SET weight = ? WHERE name = 'GET /'`).run(weight);
        db.exec('DELETE FROM counts');
      });
      const reader = openSpanReader(path);
      const detail = /spans\.weight holds .* where Ferret writes a weight from 1 to 1048576$/;
      expect(() => reader.summary()).toThrow(damaged(detail));
      expect(() => [...reader.spans()]).toThrow(damaged(detail));
      expect(() => reader.runs()).toThrow(damaged(detail));
      expect(() => reader.analyze()).toThrow(damaged(detail));
      expect(() => reader.stackTree()).toThrow(damaged(detail));
      expect(() => reader.profile()).toThrow(damaged(detail));
      reader.close();
    });

    it(`weight ${weight}: DAMAGED from profile() (ferret report), with or without count records`, async () => {
      const detail = /spans\.weight holds .* where Ferret writes a weight from 1 to 1048576$/;
      for (const keepCounts of [true, false]) {
        const path = await damagedFile((db) => {
          db.prepare(`UPDATE spans SET weight = ? WHERE name = 'GET /'`).run(weight);
          if (!keepCounts) db.exec('DELETE FROM counts');
        });
        const reader = openSpanReader(path);
        expect(() => reader.profile()).toThrow(damaged(detail));
        reader.close();
      }
    });

    it(`weight ${weight}: DAMAGED from recent() (ferret watch)`, async () => {
      let start = 0;
      const path = await damagedFile((db) => {
        db.prepare(`UPDATE spans SET weight = ? WHERE name = 'GET /'`).run(weight);
        start = db
          .prepare(`SELECT start_time FROM spans WHERE name = 'GET /'`)
          .pluck()
          .get() as number;
      });
      const reader = openSpanReader(path);
      expect(() => reader.recent({ windowEnd: start + 1, windowMs: 10_000 })).toThrow(
        damaged(/spans\.weight holds .* where Ferret writes a weight from 1 to 1048576$/),
      );
      reader.close();
    });
  }

  it('the largest weight is read', async () => {
    const path = await damagedFile((db) =>
      db.prepare(`UPDATE spans SET weight = ? WHERE name = 'GET /'`).run(2 ** 20),
    );
    const reader = openSpanReader(path);
    const root = [...reader.spans()].find((s) => s.name === 'GET /');
    expect(root?.weight).toBe(2 ** 20);
    const recent = reader.recent({ windowEnd: root!.startTime + 1, windowMs: 10_000 });
    expect(recent.names.find((n) => n.name === 'GET /')?.recorded).toBe(1);
    expect(reader.profile().summary.find((row) => row.name === 'GET /')?.recorded).toBe(1);
    reader.close();
  });
});

describe('the writer bounds weights', () => {
  it('stores a weight above 2^20 as 2^20 and one that is not finite as 1', async () => {
    const path = join(tmp.dir, 'bounded.db');
    const store = new SqliteSpanStore({ path, worker: false });
    store.write([
      span({ name: 'forged', runId: 'r1', weight: 1e300 }),
      span({ name: 'infinite', runId: 'r1', weight: Number.POSITIVE_INFINITY }),
      span({ name: 'largest', runId: 'r1', weight: 2 ** 20 }),
    ]);
    await store.close();
    const reader = openSpanReader(path);
    const weights = Object.fromEntries([...reader.spans()].map((s) => [s.name, s.weight]));
    expect(weights).toEqual({ forged: 2 ** 20, infinite: 1, largest: 2 ** 20 });
    reader.close();
  });
});

describe('count records the writer never writes are a damaged file', () => {
  const cases: Array<[string, string]> = [
    ['calls = 1e300', 'UPDATE counts SET calls = 1e300, dropped = 1e300'],
    ['calls = -100', 'UPDATE counts SET calls = -100, recorded = -50, dropped = -50'],
    ['calls ≠ recorded + dropped', 'UPDATE counts SET calls = 10'],
    ['calls as text', "UPDATE counts SET calls = 'three'"],
    ['a fraction', 'UPDATE counts SET calls = 3.5, dropped = 2.5'],
  ];
  for (const [what, damage] of cases) {
    it(`${what}: DAMAGED from runs, summary, analyze, stackTree, profile and recent`, async () => {
      const path = await damagedFile((db) => db.exec(damage));
      const reader = openSpanReader(path);
      const detail =
        /damaged-\d+\.db is damaged: counts holds a row whose calls, recorded and dropped are not whole numbers from 0 to 9007199254740991 with calls = recorded \+ dropped, as Ferret writes them$/;
      expect(() => reader.runs()).toThrow(damaged(detail));
      expect(() => reader.summary()).toThrow(damaged(detail));
      expect(() => reader.analyze()).toThrow(damaged(detail));
      expect(() => reader.stackTree()).toThrow(damaged(detail));
      expect(() => reader.profile()).toThrow(damaged(detail));
      expect(() => reader.recent({ windowEnd: 1000, windowMs: 10_000 })).toThrow(damaged(detail));
      // The spans themselves stay readable.
      expect([...reader.spans()]).toHaveLength(2);
      reader.close();
    });
  }

  it('a healthy count record is read as written', async () => {
    const path = await damagedFile(() => {});
    const reader = openSpanReader(path);
    expect(reader.runs()[0]).toMatchObject({ rootCalls: 3, callsExact: true });
    reader.close();
  });
});

describe('a path that is not a regular file', () => {
  it('/dev/zero: NOT_FERRET, not "an empty file"', () => {
    expect(() => openSpanReader('/dev/zero')).toThrow(
      expect.objectContaining({
        code: 'NOT_FERRET',
        message:
          '/dev/zero is not a regular file (a device, pipe or socket), not a Ferret database',
      }),
    );
  });
});

// Child processes run fixtures under test/fixtures that import the BUILT package by name (the
// root `pnpm test` builds first).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpanReader } from '../src/index.js';
import { temporaryDirectory } from './helpers.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => tmp.cleanup());

function run(
  fixture: string,
  args: string[],
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [join(fixtures, fixture), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

function integrityOf(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

describe('several processes writing one file', () => {
  it('4 processes × 50,000 spans → exactly 200,000 rows, nothing lost to SQLITE_BUSY', async () => {
    const path = join(tmp.dir, 'shared.db');
    const children = ['p1', 'p2', 'p3', 'p4'].map((runId) =>
      run('write-many.mjs', [path, runId, '50000']),
    );
    const results = await Promise.all(children.map((c) => c.done));
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({ spansWritten: 50_000, dropped: 0, errors: [] });
      expect(result.code).toBe(0);
    }
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM spans').pluck().get()).toBe(200_000);
    expect(db.prepare('SELECT count(DISTINCT run_key || span_id) FROM spans').pluck().get()).toBe(
      200_000,
    );
    db.close();
    const reader = openSpanReader(path);
    const runs = reader.runs();
    expect(runs.map((r) => r.runId).sort()).toEqual(['p1', 'p2', 'p3', 'p4']);
    for (const r of runs) expect(r.spanCount).toBe(50_000);
    reader.close();
  }, 120_000);
});

describe('crash safety', () => {
  it('SIGKILL mid-write leaves a database that opens with every committed batch intact', async () => {
    const path = join(tmp.dir, 'crash.db');
    const { child, done } = run('write-until-killed.mjs', [path, 'crash']);
    let committed = 0;
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (chunk: string) => {
        const matches = [...chunk.matchAll(/committed (\d+)/g)];
        if (matches.length > 0) committed = Number(matches.at(-1)![1]);
        // Kill once well into the run, while batches are still streaming.
        if (committed >= 25) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    const result = await done;
    expect(result.code).toBeNull();
    expect(integrityOf(path)).toBe('ok');

    const reader = openSpanReader(path);
    const ids = new Set<string>();
    for (const s of reader.spans({ runId: 'crash' })) ids.add(s.spanId);
    reader.close();
    // Every batch confirmed before the kill is there in full; a batch in flight is all or nothing.
    expect(ids.size).toBeGreaterThanOrEqual(committed * 200);
    expect(ids.size % 200).toBe(0);
    for (let i = 0; i < committed * 200; i++) {
      expect(ids.has(`cras${i.toString(16).padStart(12, '0')}`)).toBe(true);
    }
  }, 60_000);
});

describe('process exit', () => {
  it('commits what was handed over when the event loop empties, without flush() or close()', async () => {
    const path = join(tmp.dir, 'exit.db');
    const result = await run('exit-without-close.mjs', [path, 'exit', '3000']).done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // 'beforeExit' waited asynchronously, so the worker's replies were processed before 'exit'.
    expect(JSON.parse(result.stdout)).toMatchObject({
      spansWritten: 3000,
      dropped: 0,
      pendingSpans: 0,
    });
    const reader = openSpanReader(path);
    expect(reader.runs()).toEqual([expect.objectContaining({ runId: 'exit', spanCount: 3000 })]);
    reader.close();
  }, 60_000);

  it('does not keep the process alive: an idle store lets the event loop end', async () => {
    const path = join(tmp.dir, 'idle.db');
    const { child, done } = run('exit-without-close.mjs', [path, 'idle', '0']);
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const result = await done;
    clearTimeout(killer);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ spansWritten: 0, pendingSpans: 0 });
  }, 60_000);

  it('commits what was handed over when close() is not awaited before process.exit()', async () => {
    const path = join(tmp.dir, 'close-exit.db');
    const result = await run('exit-without-close.mjs', [path, 'close-exit', '3000', 'close-exit'])
      .done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const reader = openSpanReader(path);
    expect(reader.runs()).toEqual([
      expect.objectContaining({ runId: 'close-exit', spanCount: 3000 }),
    ]);
    reader.close();
  }, 60_000);
});

/** Spans and summed count records of `exit-run` in a file the profiler fixture wrote. */
function profilerRunIn(path: string): {
  spans: number;
  distinctSpans: number;
  counts: { name: string; calls: number; recorded: number; dropped: number }[];
} {
  const db = new Database(path, { readonly: true });
  try {
    const runKey = db.prepare("SELECT run_key FROM runs WHERE run_id = 'exit-run'").pluck().get();
    return {
      spans: db
        .prepare('SELECT count(*) FROM spans WHERE run_key = ?')
        .pluck()
        .get(runKey) as number,
      distinctSpans: db
        .prepare('SELECT count(DISTINCT span_id) FROM spans WHERE run_key = ?')
        .pluck()
        .get(runKey) as number,
      counts: db
        .prepare(
          'SELECT name, sum(calls) AS calls, sum(recorded) AS recorded, sum(dropped) AS dropped FROM counts WHERE run_key = ? GROUP BY name',
        )
        .all(runKey) as { name: string; calls: number; recorded: number; dropped: number }[],
    };
  } finally {
    db.close();
  }
}

// A Profiler with SqliteSpanStore, the spans still in the profiler's queue when the process ends
// (flushIntervalMs 60 s): the profiler's 'exit' hook hands them over and calls the store's
// flushSync(), which blocks until the worker committed them.
describe('Profiler + SqliteSpanStore at process exit', () => {
  const everything = {
    spans: 300,
    distinctSpans: 300,
    counts: [{ name: 'job', calls: 300, recorded: 300, dropped: 0 }],
  };

  it('process.exit(0) right after recording keeps all 300 spans and the count records', async () => {
    const path = join(tmp.dir, 'profiler-exit.db');
    const result = await run('profiler-exit.mjs', [path, 'exit', 'store-first']).done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(profilerRunIn(path)).toEqual(everything);
  }, 60_000);

  it('an uncaught exception right after recording keeps all 300 spans and the count records', async () => {
    const path = join(tmp.dir, 'profiler-throw.db');
    const result = await run('profiler-exit.mjs', [path, 'throw', 'store-first']).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error: boom after recording');
    expect(result.stderr).not.toMatch(/^[A-Z_]+: /m); // nothing reported by the profiler or store
    expect(profilerRunIn(path)).toEqual(everything);
  }, 60_000);

  it("loses nothing when the profiler's exit listener runs before the store's", async () => {
    const path = join(tmp.dir, 'profiler-first.db');
    const result = await run('profiler-exit.mjs', [path, 'exit', 'profiler-first']).done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(profilerRunIn(path)).toEqual(everything);
  }, 60_000);

  it('close() not awaited, then process.exit(0), keeps all 300 spans and the count records', async () => {
    const path = join(tmp.dir, 'profiler-close-exit.db');
    const result = await run('profiler-exit.mjs', [path, 'close-then-exit', 'store-first']).done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(profilerRunIn(path)).toEqual(everything);
  }, 60_000);

  it('a natural end (beforeExit) keeps all 300 spans and the count records', async () => {
    const path = join(tmp.dir, 'profiler-natural.db');
    const result = await run('profiler-exit.mjs', [path, 'natural', 'store-first']).done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(profilerRunIn(path)).toEqual(everything);
  }, 60_000);
});

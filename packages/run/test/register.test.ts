import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { openSpanReader } from '@ferret/store-sqlite';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const ESM = pathToFileURL(join(DIST, 'register.js')).href;
const CJS = join(DIST, 'register.cjs');

describe('@ferret/run/register', () => {
  it('in a worker thread loads nothing beyond node:worker_threads (ES module and CommonJS builds)', async () => {
    // Worker threads inherit the preload (Ferret's own writer and stall threads among them).
    const worker = new Worker(new URL('./fixtures/preload-in-worker.mjs', import.meta.url), {
      workerData: { esm: ESM, cjs: CJS },
      env: { ...process.env, FERRET_DB: join(tmpdir(), 'ferret-never-written.db') },
    });
    const [loaded] = (await new Promise((resolve, reject) => {
      worker.once('message', (message) => resolve([message]));
      worker.once('error', reject);
    })) as [{ esm: string[]; cjs: string[] }];
    await worker.terminate();
    expect(loaded.esm).toEqual(['worker_threads']);
    expect(loaded.cjs).toEqual(['worker_threads']);
  }, 30_000);

  it('the CommonJS build (node --require) starts the run in the main thread', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferret-register-cjs-'));
    try {
      const db = join(dir, 'ferret.db');
      const child = spawnSync(
        process.execPath,
        [
          '--require',
          CJS,
          '-e',
          `const run = require(${JSON.stringify(join(DIST, 'index.cjs'))});
           run.getProfiler().measure('cjs block', () => 1);
           console.log(run.currentRun() === undefined ? 'no run' : 'run');`,
        ],
        { encoding: 'utf8', env: { ...process.env, FERRET_DB: db, FERRET_LIBS: 'none' } },
      );
      expect(child.stderr).toBe('');
      expect(child.stdout.trim()).toBe('run');
      const reader = openSpanReader(db);
      try {
        expect([...reader.spans()].map((span) => span.name)).toEqual(['cjs block']);
      } finally {
        reader.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

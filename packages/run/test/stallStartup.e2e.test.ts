import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSpanReader } from '@ferret/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';

const FERRET = fileURLToPath(new URL('../../cli/bin/ferret.js', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/startup-stall-app.cjs', import.meta.url));

let dir = '';
afterEach(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('ferret run --stall and the preload start-up', () => {
  it("reports the app's stalls, none from the preload loading every library's instrumentation", () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-stall-startup-'));
    const db = join(dir, 'ferret.db');
    // No --libs: every known library's instrumentation is loaded by the preload.
    const child = spawnSync(
      process.execPath,
      [FERRET, 'run', '--db', db, '--stall', '50', '--', process.execPath, APP],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.status, child.stderr).toBe(0);
    const firstLine = Number(/^FIRST (\S+)$/m.exec(child.stdout)?.[1]);
    expect(firstLine).toBeGreaterThan(0);
    const reader = openSpanReader(db);
    try {
      const stalls = [...reader.spans()].filter((span) => span.name === 'ferret.stall');
      const described = JSON.stringify(
        stalls.map((span) => ({
          before: firstLine - span.startTime,
          duration: span.duration,
          stack: String(span.attributes['ferret.stall.stack'] ?? '').slice(0, 400),
        })),
      );
      // The app's own 300 ms block is reported...
      expect(
        stalls.filter((span) => span.duration >= 250),
        described,
      ).not.toHaveLength(0);
      // ...and no stall lies mostly before the app's first line (the preload's own start-up).
      // The app's stall may begin a little earlier: the watchdog's last heartbeat is the end of
      // the preload, and loading the app's module runs in the same event-loop turn.
      for (const stall of stalls) {
        const beforeFirstLine = firstLine - stall.startTime;
        expect(beforeFirstLine, described).toBeLessThan(Math.max(50, stall.duration / 2));
      }
    } finally {
      reader.close();
    }
  }, 90_000);
});

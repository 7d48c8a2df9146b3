import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const FERRET = fileURLToPath(new URL('../../cli/bin/ferret.js', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/delete-db-app.cjs', import.meta.url));

let dir = '';
afterEach(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('ferret run with the database deleted during the run', () => {
  it('warns once, says so instead of a summary, and does not create the file again', () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-deleted-'));
    const db = join(dir, 'ferret.db');
    const child = spawnSync(
      process.execPath,
      [FERRET, 'run', '--db', db, '--libs', 'http,undici', '--', process.execPath, APP],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const output = child.stdout + child.stderr;
    // The app keeps running: its own exit code stands.
    expect(child.status, output).toBe(0);
    expect(output).toContain('DELETED');
    // Two stores write the file in the app's process (measure() blocks, library spans): one warning.
    expect(output.match(/was deleted while the store was writing it/g), output).toHaveLength(1);
    expect(output).toContain(`ferret: ${db} was deleted during the run`);
    expect(output).not.toContain('No spans recorded in this run.');
    expect(existsSync(db), output).toBe(false);
  }, 90_000);
});

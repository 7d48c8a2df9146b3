// A database read or written by a user who may not write its directory (a file root or a
// container wrote, read by a normal user). Tests usually run as root, who may write anywhere, so
// the child process drops to `nobody` with setpriv; run as another user, the directory and file
// are made read-only instead. The fixture imports the BUILT package by name, from a
// world-readable copy under os.tmpdir() (unprivilegedRuntime), so the child never reads the
// checkout, which may sit in a directory `nobody` cannot enter.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqliteSpanStore } from '../src/index.js';
import { span, temporaryDirectory } from './helpers.js';
import { unprivilegedRuntime } from './unprivilegedRuntime.js';

const isRoot = process.getuid?.() === 0;

let runtime: ReturnType<typeof unprivilegedRuntime>;
beforeAll(() => {
  runtime = unprivilegedRuntime(['open-as-user.mjs', 'spans.mjs']);
});
afterAll(() => runtime.cleanup());

interface ChildResult {
  uid: number;
  warnings: string[];
  errors: { code: string; message: string }[];
  runs?: string[];
  recorded?: number;
  stats?: { spansWritten: number; dropped: number };
}

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory();
});
afterEach(() => {
  chmodSync(tmp.dir, 0o700);
  tmp.cleanup();
});

/** Makes `dir` (and the files in it) readable but not writable for the unprivileged child. */
function protect(dir: string): void {
  if (isRoot) {
    // Root owns them; `nobody` gets the "other" bits: read, no write.
    chmodSync(dir, 0o755);
    for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o644);
  } else {
    for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o444);
    chmodSync(dir, 0o555);
  }
}

function asUnprivileged(mode: 'read' | 'write', path: string): ChildResult {
  const fixture = join(runtime.dir, 'open-as-user.mjs');
  const command = isRoot ? 'setpriv' : process.execPath;
  const args = isRoot
    ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, fixture, mode, path]
    : [fixture, mode, path];
  const child = spawnSync(command, args, { cwd: runtime.dir, encoding: 'utf8', timeout: 60_000 });
  expect(child.stderr).toBe('');
  const result = JSON.parse(child.stdout) as ChildResult;
  expect(result.uid === 0).toBe(false);
  return result;
}

async function healthyDatabase(path: string): Promise<void> {
  const store = new SqliteSpanStore({ path });
  store.write([span({ runId: 'root-run' }), span({ runId: 'root-run' })]);
  await store.close();
  // A WAL database: byte 18 (write version) is 2.
  expect(readFileSync(path)[18]).toBe(2);
}

describe('a database in a directory this user cannot write', () => {
  it('the reader reads a healthy WAL file through a private copy and says so (was CORRUPT)', async () => {
    const path = join(tmp.dir, 'ferret.db');
    await healthyDatabase(path);
    protect(tmp.dir);
    const result = asUnprivileged('read', path);
    expect(result.errors).toEqual([]);
    expect(result.runs).toEqual(['root-run']);
    expect(result.recorded).toBe(2);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('reading a private copy');
    expect(existsSync(`${path}-shm`)).toBe(false);
  });

  it('a read-only (0444) WAL file in a read-only (0555) directory: read through a writable private copy', async () => {
    const path = join(tmp.dir, 'archived.db');
    await healthyDatabase(path);
    // The same modes for root (then `nobody` reads through the "other" bits) and for other users.
    chmodSync(path, 0o444);
    chmodSync(tmp.dir, 0o555);
    const result = asUnprivileged('read', path);
    expect(result.errors).toEqual([]);
    expect(result.runs).toEqual(['root-run']);
    expect(result.recorded).toBe(2);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('reading a private copy');
  });

  it('a file this user may not read: PERMISSION, not a crash or NOT_FOUND', async () => {
    const path = join(tmp.dir, 'secret.db');
    await healthyDatabase(path);
    protect(tmp.dir);
    chmodSync(path, 0);
    const result = asUnprivileged('read', path);
    expect(result.errors).toEqual([
      {
        code: 'PERMISSION',
        message: expect.stringContaining(`${path}: cannot read (permission denied`),
      },
    ]);
  });

  it('the store cannot create a file there: PERMISSION (was WRITE_FAILED)', () => {
    protect(tmp.dir);
    const path = join(tmp.dir, 'new.db');
    const result = asUnprivileged('write', path);
    expect(result.errors.map((e) => e.code)).toEqual(['PERMISSION', 'WRITE_FAILED']);
    expect(result.errors[0]!.message).toContain(`${path}: cannot create`);
    expect(result.stats).toMatchObject({ spansWritten: 0, dropped: 1 });
    expect(existsSync(path)).toBe(false);
  });

  it('the store cannot write an existing file there: READ_ONLY (was CORRUPT)', async () => {
    const path = join(tmp.dir, 'ferret.db');
    await healthyDatabase(path);
    protect(tmp.dir);
    const result = asUnprivileged('write', path);
    expect(result.errors.map((e) => e.code)).toEqual(['READ_ONLY', 'WRITE_FAILED']);
    expect(result.errors[0]!.message).toMatch(/read-only for this process/);
    expect(result.stats).toMatchObject({ spansWritten: 0, dropped: 1 });
  });
});

// `ferret watch` on a database a real writer process is writing (Profiler + SqliteSpanStore in a
// child process), read with `--once` in-process and as plain (non-TTY) frames from the real bin.
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { captureIo } from './support/captureIo.js';

const WRITER = fileURLToPath(new URL('./fixtures/live-writer.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/ferret.js', import.meta.url));

let dir: string;
let db: string;
let writer: ChildProcess;

/** Runs `watch --once` until `accept` likes the frame (the writer flushes every 200 ms). */
async function onceUntil(accept: (frame: string) => boolean): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const cli = captureIo();
    const code = existsSync(db) ? await main(['watch', db, '--once'], cli.io) : -1;
    if (code === 0 && accept(cli.stdout)) return cli.stdout;
    if (Date.now() > deadline)
      throw new Error(`no accepted frame; last:\n${cli.stdout}${cli.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The row of `name` in the top-names table: [name, calls, recorded, p95, errors]. */
function nameRow(frame: string, name: string): string[] | undefined {
  const line = frame.split('\n').find((l) => l.startsWith(`${name} `));
  return line?.trim().split(/\s{2,}/);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferret-watch-'));
  db = join(dir, 'live.db');
  writer = fork(WRITER, [db], { stdio: 'ignore' });
  await new Promise((resolve, reject) => {
    writer.once('message', resolve);
    writer.once('error', reject);
  });
});

afterAll(async () => {
  if (writer.exitCode === null) {
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    writer.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('ferret watch', () => {
  it('--once prints one plain frame: per-second calls vs recorded vs dropped, top names with p95', async () => {
    const frame = await onceUntil((f) => (nameRow(f, 'GET /items')?.[1] ?? '0') !== '0');
    const lines = frame.split('\n');
    expect(lines[0]).toMatch(/^ferret watch · .*live\.db · run live-run · \d\d:\d\d:\d\d UTC$/);
    expect(frame).toContain('second (UTC)  calls  recorded  dropped  stored spans');
    // Ten whole seconds, then the window's total.
    expect(lines.filter((l) => /^\d\d:\d\d:\d\d\s/.test(l))).toHaveLength(10);
    expect(frame).toMatch(/^last 10 s\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+[\d,]+$/m);
    expect(frame).toContain('top names by calls, last 10 s');
    const items = nameRow(frame, 'GET /items')!;
    expect(Number(items[1]!.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(items[3]).toMatch(/(µs|ms|s)$/);
    // The budget (50 spans/s) is far below the traffic: the frame shows drops.
    const total = /^last 10 s\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)/m.exec(frame)!;
    const [calls, recorded, dropped] = total.slice(1).map((v) => Number(v.replace(/,/g, '')));
    expect(dropped).toBeGreaterThan(0);
    expect(Math.abs(calls! - recorded! - dropped!)).toBeLessThanOrEqual(2);
    // Plain: no escape sequences when stdout is not a terminal.
    expect(frame).not.toContain('\u001b');
  });

  it('prints a frame per interval when stdout is a pipe, and stops after --frames', async () => {
    await onceUntil((f) => f.includes('GET /items'));
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [BIN, 'watch', db, '--frames', '3', '--interval', '200'],
      { timeout: 20_000 },
    );
    expect(stderr).toBe('');
    expect(stdout.match(/^ferret watch · /gm)).toHaveLength(3);
    expect(stdout).not.toContain('\u001b');
  });

  it('refuses bad options in one line with the usage exit code', async () => {
    for (const args of [
      ['--window', '0'],
      ['--window', '7200'],
      ['--interval', '10'],
      ['--interval', '3000000000'],
      ['--top', 'x'],
    ]) {
      const cli = captureIo();
      expect(await main(['watch', db, '--once', ...args], cli.io)).toBe(2);
      expect(cli.stderr).toMatch(/^ferret: .*(window|interval|top).*\n$/);
    }
    const missing = captureIo();
    expect(await main(['watch', join(dir, 'none.db'), '--once'], missing.io)).toBe(1);
    expect(missing.stderr.split('\n')).toHaveLength(2);
  });
});

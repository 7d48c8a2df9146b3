import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A child process running the built package (`pnpm test` builds first).
const script = fileURLToPath(new URL('./fixtures/exit-flush.mjs', import.meta.url));

function runChild(mode: 'natural' | 'exit'): { type: string; name: string; calls?: number }[] {
  const path = join(mkdtempSync(join(tmpdir(), 'ferret-exit-')), 'spans.jsonl');
  const child = spawnSync(process.execPath, [script, path, mode], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(child.status, child.stderr).toBe(0);
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('pending spans are flushed at a normal process exit', () => {
  it('when the event loop empties (beforeExit)', () => {
    const lines = runChild('natural');
    expect(lines.filter((l) => l.type === 'span')).toHaveLength(20);
    expect(lines.find((l) => l.type === 'count')).toMatchObject({ name: 'job', calls: 10 });
  });

  it('on process.exit() (synchronous exit hook)', () => {
    const lines = runChild('exit');
    expect(lines.filter((l) => l.type === 'span')).toHaveLength(20);
    expect(lines.find((l) => l.type === 'count')).toMatchObject({ name: 'job', calls: 10 });
  });
});

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanRecord } from '@ferret/profiler';

/** A fresh temporary directory, removed by the returned cleanup. */
export function temporaryDirectory(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-store-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

let counter = 0;
/** A valid span with unique ids; override any field. */
export function span(overrides: Partial<SpanRecord> = {}): SpanRecord {
  counter++;
  return {
    traceId: counter.toString(16).padStart(32, 'a'),
    spanId: counter.toString(16).padStart(16, 'b'),
    name: 'work',
    startTime: 1_700_000_000_000 + counter,
    duration: 1,
    status: 'ok',
    attributes: {},
    runId: 'run-1',
    pid: 4242,
    threadId: 0,
    weight: 1,
    ...overrides,
  };
}

// The environment reader remembers the variables it warned about on `globalThis` (shared by
// every bundled copy of @ferret/internal in a process). Each test starts with none remembered, so
// a test that expects a FERRET_ENV warning gets it whatever ran before it in this worker.
import { beforeEach } from 'vitest';

beforeEach(() => {
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('ferret.envWarned')];
});

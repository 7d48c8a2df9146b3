import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MAX_STALL_THRESHOLD_MS } from '@ferret/profiler';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readRunSettings } from '../src/index.js';

const FERRET = fileURLToPath(new URL('../../cli/bin/ferret.js', import.meta.url));

let warnings: string[];
beforeEach(() => {
  warnings = [];
  vi.spyOn(process, 'emitWarning').mockImplementation((warning) => {
    warnings.push(String(warning));
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('FERRET_STALL_MS', () => {
  it('sets the stall watchdog threshold; unset means no watchdog', () => {
    expect(readRunSettings({ FERRET_STALL_MS: '250' }).stallMs).toBe(250);
    expect(readRunSettings({}).stallMs).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('a malformed value warns once naming the variable, and no watchdog runs', () => {
    for (const value of ['0', '-5', 'soon', String(MAX_STALL_THRESHOLD_MS + 1)]) {
      expect(readRunSettings({ FERRET_STALL_MS: value }).stallMs).toBeUndefined();
    }
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatch(
      /^Ignoring FERRET_STALL_MS="0": expected a number >= 1 and <= 86400000; using no stall watchdog$/,
    );
  });
});

describe('ferret run --stall', () => {
  it('refuses a value that is not a number of milliseconds from 1 to a day, as a usage error', () => {
    for (const value of ['0', 'abc', '-1', '1e9']) {
      const child = spawnSync(process.execPath, [FERRET, 'run', '--stall', value, '--', 'true'], {
        encoding: 'utf8',
      });
      expect(child.status).toBe(2);
      expect(child.stderr).toContain(`"${value}"`);
      expect(child.stderr).toContain('Expected a number of milliseconds from 1 to 86400000');
    }
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nearestPackageName } from '../src/serviceName.js';

// The warn-once memory is module state: each test loads fresh copies of the modules.
async function load() {
  vi.resetModules();
  return import('../src/RunSettings.js');
}

let warnings: Array<{ message: string; code: unknown }>;
let dir: string;
beforeEach(() => {
  warnings = [];
  vi.spyOn(process, 'emitWarning').mockImplementation((warning, options) => {
    warnings.push({ message: String(warning), code: (options as { code?: string })?.code });
  });
  dir = mkdtempSync(join(tmpdir(), 'ferret-service-name-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('nearestPackageName', () => {
  it('takes the name of the nearest package.json, walking up from the directory', () => {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'orders-api' }));
    const deep = join(dir, 'src', 'routes');
    mkdirSync(deep, { recursive: true });
    expect(nearestPackageName(dir)).toBe('orders-api');
    expect(nearestPackageName(deep)).toBe('orders-api');
  });

  it('passes over a package.json without a usable name: none, not a string, a control character, not JSON, over 1 MiB', () => {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'orders-api' }));
    const cases: Array<[string, string]> = [
      ['no-name', JSON.stringify({ type: 'module' })],
      ['number', JSON.stringify({ name: 42 })],
      ['control', JSON.stringify({ name: 'evil\u001b[2J' })],
      ['not-json', '{ name: '],
      ['null', 'null'],
      ['huge', JSON.stringify({ name: 'big', pad: 'x'.repeat(1 << 20) })],
    ];
    for (const [sub, text] of cases) {
      mkdirSync(join(dir, sub));
      writeFileSync(join(dir, sub, 'package.json'), text);
      expect(nearestPackageName(join(dir, sub)), sub).toBe('orders-api');
    }
  });
});

describe('readRunSettings: the service name', () => {
  it('FERRET_SERVICE_NAME, else OTEL_SERVICE_NAME', async () => {
    const { readRunSettings } = await load();
    expect(readRunSettings({ OTEL_SERVICE_NAME: 'otel-name' }).serviceName).toBe('otel-name');
    expect(
      readRunSettings({ FERRET_SERVICE_NAME: 'ferret-name', OTEL_SERVICE_NAME: 'otel-name' })
        .serviceName,
    ).toBe('ferret-name');
    expect(warnings).toEqual([]);
  });

  it('unset: the package.json nearest to the working directory (here the repository root)', async () => {
    const { readRunSettings } = await load();
    expect(readRunSettings({}).serviceName).toBe('ferret-monorepo');
  });

  it('malformed: one FERRET_ENV warning, then the package.json name', async () => {
    const { readRunSettings } = await load();
    const env: NodeJS.ProcessEnv = { OTEL_SERVICE_NAME: 'a\u0000b' };
    expect(readRunSettings(env).serviceName).toBe('ferret-monorepo');
    expect(readRunSettings(env).serviceName).toBe('ferret-monorepo');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe('FERRET_ENV');
    expect(warnings[0]!.message).toMatch(
      /^Ignoring OTEL_SERVICE_NAME=.*expected a service name: .*; using the nearest package\.json name$/,
    );
  });
});

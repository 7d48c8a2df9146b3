import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExitFlushable, ProcessExitRegistry } from '../src/ProcessExitRegistry.js';

const registryModule = fileURLToPath(new URL('../src/ProcessExitRegistry.ts', import.meta.url));

function target(log: string[], name: string): ExitFlushable {
  return {
    flushBeforeExit: () => log.push(`${name}:beforeExit`),
    flushAtExit: () => log.push(`${name}:exit`),
  };
}

/** Runs `body` in a fresh Node (with tsx for the TypeScript source); returns its stdout. */
function runNode(body: string, flags: string[] = []): string {
  const child = spawnSync(
    process.execPath,
    [...flags, '--import', 'tsx', '--input-type=module', '-e', body],
    { encoding: 'utf8', env: { ...process.env, REGISTRY: registryModule }, timeout: 20_000 },
  );
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return child.stdout;
}

describe('ProcessExitRegistry', () => {
  const listeners = () => [process.listenerCount('beforeExit'), process.listenerCount('exit')];
  const before = listeners();
  afterEach(() => {
    expect(listeners()).toEqual(before);
  });

  it('adds one listener pair with the first target and removes it with the last', () => {
    const registry = new ProcessExitRegistry();
    const log: string[] = [];
    const a = target(log, 'a');
    const b = target(log, 'b');
    registry.register(a);
    registry.register(b);
    registry.register(a); // twice is once
    expect(registry.size).toBe(2);
    expect(listeners()).toEqual([before[0]! + 1, before[1]! + 1]);
    registry.unregister(a);
    registry.unregister(a);
    expect(listeners()).toEqual([before[0]! + 1, before[1]! + 1]);
    registry.unregister(b);
    expect(registry.size).toBe(0);
    expect(String(registry)).toBe('ProcessExitRegistry{registered=0}');
  });

  it('flushes every target at beforeExit and at exit, in order, past one that throws', () => {
    const out = runNode(`
      const { ProcessExitRegistry } = await import(process.env.REGISTRY);
      const registry = new ProcessExitRegistry();
      const make = (name) => ({
        flushBeforeExit() { process.stdout.write(name + ':beforeExit\\n'); if (name === 'a') throw new Error('x'); },
        flushAtExit() { process.stdout.write(name + ':exit\\n'); if (name === 'a') throw new Error('x'); },
      });
      globalThis.keep = [make('a'), make('b')];
      for (const t of globalThis.keep) registry.register(t);
    `);
    expect(out.trim().split('\n')).toEqual(['a:beforeExit', 'b:beforeExit', 'a:exit', 'b:exit']);
  });

  it('holds its targets weakly: a dropped target is collected and its listeners go', () => {
    const out = runNode(
      `
      const { ProcessExitRegistry } = await import(process.env.REGISTRY);
      const registry = new ProcessExitRegistry();
      const base = process.listenerCount('exit');
      (() => { registry.register({ flushBeforeExit() {}, flushAtExit() { console.log('ran'); } }); })();
      console.log('registered', registry.size, process.listenerCount('exit') - base);
      for (let i = 0; i < 50 && registry.size > 0; i++) {
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      console.log('after gc', registry.size, process.listenerCount('exit') - base);
    `,
      ['--expose-gc'],
    );
    expect(out.trim().split('\n')).toEqual(['registered 1 1', 'after gc 0 0']);
  });
});

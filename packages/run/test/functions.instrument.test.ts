import { InMemorySink, Profiler } from '@ferret/profiler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FunctionInstrumenter } from '../src/functions/FunctionInstrumenter.js';
import { installFunctionsRuntime } from '../src/functions/functionsRuntime.js';

const instrumenter = FunctionInstrumenter.load();
const MAP_COMMENT = /\n\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,(\S+)\n$/;

function instrument(source: string, path = '/app/src/mod.cjs'): string {
  const result = instrumenter.instrument(source, {
    path,
    displayName: 'src/mod.cjs',
    sourceType: 'commonjs',
  });
  if (result.kind !== 'instrumented')
    throw new Error(`not instrumented: ${JSON.stringify(result)}`);
  return result.code;
}

/** Runs instrumented CommonJS code and returns its `module.exports`. */
// biome-ignore lint/suspicious/noExplicitAny: the tests call into the code they just evaluated
type Exports = Record<string, any>;
function load(source: string): Exports {
  const module = { exports: {} as Exports };
  new Function('module', 'exports', instrument(source))(module, module.exports);
  return module.exports;
}

let sink: InMemorySink;
let profiler: Profiler;
beforeEach(() => {
  sink = new InMemorySink();
  profiler = new Profiler({ sink, flushOnExit: false, maxSpansPerSecond: 1e6 });
  installFunctionsRuntime(profiler);
});
afterEach(async () => {
  await profiler.close();
});

async function spans() {
  await profiler.flush();
  return sink.spans;
}

describe('FunctionInstrumenter', () => {
  it('records declarations, expressions, arrows and methods as nested spans', async () => {
    const api = load(`
      function inner(x) { return x + 1 }
      const helper = async (x) => { await null; return inner(x) };
      class Orders { async load(id) { return helper(id) } }
      const routes = { list: function () { return 'list' } };
      exports.handler = async function (id) { routes.list(); return new Orders().load(id) };
    `);
    expect(await api.handler(1)).toBe(2);
    const recorded = await spans();
    const byName = new Map(recorded.map((span) => [span.name, span]));
    expect([...byName.keys()].sort()).toEqual([
      'src/mod.cjs:Orders.load',
      'src/mod.cjs:handler',
      'src/mod.cjs:helper',
      'src/mod.cjs:inner',
      'src/mod.cjs:routes.list',
    ]);
    const parentOf = (name: string) => byName.get(`src/mod.cjs:${name}`)!.parentSpanId;
    const idOf = (name: string) => byName.get(`src/mod.cjs:${name}`)!.spanId;
    expect(parentOf('handler')).toBeUndefined();
    expect(parentOf('routes.list')).toBe(idOf('handler'));
    expect(parentOf('Orders.load')).toBe(idOf('handler'));
    expect(parentOf('helper')).toBe(idOf('Orders.load'));
    expect(parentOf('inner')).toBe(idOf('helper'));
  });

  it('keeps this, arguments, new.target, super, return values and thrown errors', async () => {
    const api = load(`
      'use strict';
      class Base { greet() { return 'base' } }
      class Child extends Base { greet() { return 'child+' + super.greet() } }
      function args() { return [this, arguments.length, arguments[1]] }
      function Made() { this.target = new.target === Made }
      const failure = new Error('kept');
      function fails() { throw failure }
      async function rejects() { await null; throw failure }
      const counter = { n: 1, bump() { return ++this.n } };
      function sloppyThis() { return this }
      module.exports = { Child, args, Made, failure, fails, rejects, counter, sloppyThis };
    `);
    expect(new api.Child().greet()).toBe('child+base');
    const self = {};
    expect(api.args.call(self, 'a', 'b', 'c')).toEqual([self, 3, 'b']);
    expect(new api.Made().target).toBe(true);
    expect(() => api.fails()).toThrow(api.failure);
    await expect(api.rejects()).rejects.toBe(api.failure);
    expect(api.counter.bump()).toBe(2);
    // The module's 'use strict' stays its directive: a plain call has no `this`.
    const { sloppyThis } = api;
    expect(sloppyThis()).toBeUndefined();
    const errors = (await spans()).filter((span) => span.status === 'error');
    expect(errors.map((span) => span.name).sort()).toEqual([
      'src/mod.cjs:fails',
      'src/mod.cjs:rejects',
    ]);
  });

  it('keeps a function directive prologue in the function', () => {
    const api = load(`
      function strictThis() { 'use strict'; return this }
      function sloppyThis() { return this }
      module.exports = { strictThis, sloppyThis };
    `);
    const { strictThis, sloppyThis } = api;
    expect(strictThis()).toBeUndefined();
    expect(sloppyThis()).toBe(globalThis);
  });

  it('leaves generators, accessors, constructors, inline expression arrows and var-redeclared parameters alone', async () => {
    const code = instrument(`
      function* gen() { yield 1 }
      async function* agen() { yield 2 }
      class A { constructor() { this.v = 1 } get g() { return 1 } set s(v) {} }
      const ids = [1, 2].map((x) => x * 2);
      function legacy(opts) { var opts = opts || {}; return opts }
      function wrapped() { return 1 }
    `);
    expect(code.match(/__ferret\$fn\.m\(/g)).toHaveLength(1);
    expect(code).toContain('"src/mod.cjs:wrapped"');
    const api = load(
      'function legacy(opts) { var opts = opts || { fresh: true }; return opts } exports.legacy = legacy; exports.w = () => legacy({});',
    );
    expect(api.legacy({ given: true })).toEqual({ given: true });
  });

  it('names anonymous block functions by line and wraps named expression arrows', () => {
    const code = instrument(
      '\n\nsetTimeout(function () { return 1 });\nconst twice = (x) => x * 2;',
    );
    expect(code).toContain('"src/mod.cjs:<anonymous>@3"');
    expect(code).toContain('"src/mod.cjs:twice", () => (x * 2))');
  });

  it('moves no line: each original line keeps its number, and the map leads back to it', () => {
    const source = [
      '#!/usr/bin/env node',
      "'use strict';",
      'function a() {',
      '  return b();',
      '}',
      'const b = () => { throw new Error("at line 6") };',
      'module.exports = a;',
    ].join('\n');
    const code = instrument(source);
    const lines = code.replace(MAP_COMMENT, '').split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('#!/usr/bin/env node');
    expect(lines[1]!.startsWith("'use strict';")).toBe(true);
    expect(lines[5]).toContain('throw new Error("at line 6")');
    const map = JSON.parse(Buffer.from(MAP_COMMENT.exec(code)![1]!, 'base64').toString());
    expect(map.sources).toEqual(['mod.cjs']);
    expect(map.sourcesContent).toEqual([source]);
  });

  it('composes with the source map an earlier compiler left inline', () => {
    // A "compiled" file whose map says its line 1 came from line 5 of original.ts.
    const inputMap = {
      version: 3,
      sources: ['original.ts'],
      names: [],
      mappings: 'AAIA',
    };
    const source = `function f() { return 1 }\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(inputMap)).toString('base64')}\n`;
    const code = instrument(source);
    expect(code.match(/sourceMappingURL/g)).toHaveLength(1);
    const map = JSON.parse(Buffer.from(MAP_COMMENT.exec(code)![1]!, 'base64').toString());
    expect(map.sources).toEqual(['original.ts']);
  });

  it("skips what an earlier compiler generated and names by the original file's lines", () => {
    // Line 1 has no mapping (a compiler helper); line 2 came from line 10 of original.ts.
    const inputMap = { version: 3, sources: ['original.ts'], names: [], mappings: ';AASA' };
    const source = [
      'var __helper = function () { return 1 };',
      'setTimeout(function () { return 2 });',
      `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(inputMap)).toString('base64')}`,
    ].join('\n');
    const code = instrument(source);
    expect(code.match(/__ferret\$fn\.m\(/g)).toHaveLength(1);
    expect(code).toContain('"src/mod.cjs:<anonymous>@10"');
  });

  it('leaves arrows that only return a value alone', () => {
    const code = instrument(
      'const getter = () => value; const answer = () => 42; const call = () => f();',
    );
    expect(code.match(/__ferret\$fn\.m\(/g)).toHaveLength(1);
    expect(code).toContain('"src/mod.cjs:call"');
  });

  it('reports code the parser refuses, and leaves instrumented code alone', () => {
    const refused = instrumenter.instrument('function f() { f() = 1 }', {
      path: '/app/legacy.cjs',
      displayName: 'legacy.cjs',
      sourceType: 'commonjs',
    });
    expect(refused).toEqual({ kind: 'failed', reason: expect.stringMatching(/assign/i) });
    const twice = instrumenter.instrument(instrument('function f() {}'), {
      path: '/app/src/mod.cjs',
      displayName: 'src/mod.cjs',
      sourceType: 'commonjs',
    });
    expect(twice).toEqual({ kind: 'unchanged' });
  });

  it('instruments TypeScript, leaving its types for the compiler that follows', () => {
    const result = instrumenter.instrument(
      'export function id<T>(value: T): T { return value as T }\nexport const n = (x: number): number => x + 1;',
      { path: '/app/src/id.ts', displayName: 'src/id.ts', sourceType: 'module' },
    );
    expect(result.kind).toBe('instrumented');
    if (result.kind === 'instrumented') {
      expect(result.code).toContain(
        'return __ferret$fn.m("src/id.ts:id", () => { return value as T })',
      );
      expect(result.code).toContain('__ferret$fn.m("src/id.ts:n", () => (x + 1))');
    }
  });
});

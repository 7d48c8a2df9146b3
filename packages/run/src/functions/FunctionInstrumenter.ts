import { createRequire } from 'node:module';
import { basename } from 'node:path';
import remapping, { type EncodedSourceMap } from '@jridgewell/remapping';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import MagicString from 'magic-string';
import { type AstNode, findFunctions, type OriginLine } from './findFunctions.js';
import { FUNCTIONS_RUNTIME_KEY } from './functionsRuntime.js';
import { findInputSourceMap, type InputSourceMap } from './inputSourceMap.js';
import { positionIndex } from './sourcePositions.js';

/** What `oxc-parser`'s `parseSync` returns, as far as the instrumenter reads it. */
export interface ParseResultLike {
  program: unknown;
  errors: readonly { message: string }[];
}

/** `oxc-parser`'s `parseSync` (injected: the parser is loaded only when `--functions` is on). */
export type ParseSync = (
  filename: string,
  source: string,
  options: { lang: 'js' | 'jsx' | 'ts' | 'tsx'; sourceType: 'module' | 'commonjs' },
) => ParseResultLike;

/** Child fields of each node type (`oxc-parser`'s `visitorKeys`). */
export type VisitorKeys = Record<string, readonly string[]>;

/** One module to instrument. */
export interface ModuleToInstrument {
  /** Absolute path of the file (names the language by its extension, finds a map file). */
  path: string;
  /** The file as span names show it: its path relative to the working directory. */
  displayName: string;
  /** The module system the code runs in. */
  sourceType: 'module' | 'commonjs';
}

/** The outcome for one module. */
export type InstrumentResult =
  | { kind: 'instrumented'; code: string; functions: number }
  /** Nothing to wrap, or already instrumented (a module seen by both hooks). */
  | { kind: 'unchanged' }
  /** The parser refused the code or the rewrite failed: the original runs. */
  | { kind: 'failed'; reason: string };

/** Identifier of the runtime object in instrumented code. */
const RUNTIME = '__ferret$fn';
/** Declares {@link RUNTIME}; also the marker of an instrumented module. */
const PROLOGUE = `var ${RUNTIME}=globalThis[Symbol.for(${JSON.stringify(FUNCTIONS_RUNTIME_KEY)})]??{m:(n,f)=>f()};`;

/**
 * Rewrites a module so that each of its functions (see {@link findFunctions}) runs as a span:
 * the body moves, unchanged, into an arrow (which keeps `this`, `arguments`, `super` and
 * `new.target`) passed to the profiler's `measure()`:
 *
 * ```js
 * function load(id) { return __ferret$fn.m("src/orders.js:load", () => { …body… }) }
 * ```
 *
 * Line numbers do not move (nothing inserted holds a line break), and the output ends with an
 * inline source map back to the original (composed with the map an earlier compiler left on
 * it), so stack traces name the original lines and, with `--enable-source-maps`, columns.
 */
export class FunctionInstrumenter {
  readonly #parse: ParseSync;
  readonly #keys: VisitorKeys;

  /** @param parse `oxc-parser`'s `parseSync`; @param keys its `visitorKeys`. */
  constructor(parse: ParseSync, keys: VisitorKeys) {
    this.#parse = parse;
    this.#keys = keys;
  }

  /**
   * An instrumenter on `oxc-parser` (an ES module, required synchronously: Node 20.19+ or
   * 22.12+, the parser's own range). Throws when the parser cannot be loaded.
   */
  static load(): FunctionInstrumenter {
    const require = createRequire(import.meta.url);
    const oxc = require('oxc-parser') as { parseSync: ParseSync; visitorKeys: VisitorKeys };
    return new FunctionInstrumenter(oxc.parseSync, oxc.visitorKeys);
  }

  /** Never throws: a failure is a `failed` result naming the reason. */
  instrument(source: string, module: ModuleToInstrument): InstrumentResult {
    try {
      return this.#instrument(source, module);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { kind: 'failed', reason: reason.split('\n', 1)[0] ?? '' };
    }
  }

  toString(): string {
    return 'FunctionInstrumenter(oxc-parser, magic-string)';
  }

  #instrument(source: string, module: ModuleToInstrument): InstrumentResult {
    if (source.includes(PROLOGUE)) return { kind: 'unchanged' };
    const parsed = this.#parse(module.path, source, {
      lang: languageOf(module.path),
      sourceType: module.sourceType,
    });
    const firstError = parsed.errors[0];
    if (firstError !== undefined) return { kind: 'failed', reason: firstError.message };
    const program = parsed.program as AstNode;
    const input = findInputSourceMap(source, module.path);
    const targets = findFunctions(program, source, this.#keys, originLines(source, input));
    if (targets.length === 0) return { kind: 'unchanged' };
    const code = new MagicString(source);
    code.appendLeft(prologueOffset(program, source), PROLOGUE);
    for (const target of targets) {
      const name = stringLiteral(`${module.displayName}:${target.name}`);
      const arrow = target.async ? 'async () =>' : '() =>';
      if (target.block) {
        code.appendLeft(target.open, `return ${RUNTIME}.m(${name}, ${arrow} {`);
        code.prependRight(target.close, '})');
      } else {
        code.appendLeft(target.open, `${RUNTIME}.m(${name}, ${arrow} (`);
        code.prependRight(target.close, '))');
      }
    }
    if (input !== undefined) code.remove(input.start, input.end);
    const file = basename(module.path);
    let map = code.generateMap({ source: file, file, hires: 'boundary', includeContent: true });
    if (input?.map !== undefined) {
      const inputMap = input.map;
      map = remapping([map as EncodedSourceMap, inputMap], () => null) as unknown as typeof map;
    }
    const encoded = Buffer.from(JSON.stringify(map)).toString('base64');
    const output = `${code.toString()}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${encoded}\n`;
    return { kind: 'instrumented', code: output, functions: targets.length };
  }
}

/** Lines of the file the user wrote: through the input source map when there is one. */
function originLines(source: string, input: InputSourceMap | undefined): OriginLine {
  const position = positionIndex(source);
  if (input?.map === undefined) return (offset) => position(offset).line;
  const traced = new TraceMap(input.map);
  return (offset) => {
    const original = originalPositionFor(traced, position(offset));
    return original.source === null ? undefined : original.line;
  };
}

/** The parser language for a file, by its extension. */
function languageOf(path: string): 'js' | 'jsx' | 'ts' | 'tsx' {
  if (/\.[mc]?tsx?$/.test(path)) return path.endsWith('x') ? 'tsx' : 'ts';
  return path.endsWith('.jsx') ? 'jsx' : 'js';
}

/** After a hashbang line and the program's directive prologue (`'use strict'` must stay first). */
function prologueOffset(program: AstNode, source: string): number {
  let offset = 0;
  if (source.startsWith('#!')) {
    const lineEnd = source.indexOf('\n');
    offset = lineEnd === -1 ? source.length : lineEnd + 1;
  }
  for (const statement of (program.body as AstNode[] | undefined) ?? []) {
    if (typeof statement.directive !== 'string') break;
    offset = statement.end;
  }
  return offset;
}

/** A string literal holding no line break (U+2028/2029 escaped too), so lines do not move. */
function stringLiteral(text: string): string {
  return JSON.stringify(text)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

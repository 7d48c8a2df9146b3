import Module, { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import type { FunctionsHookData } from '../functionsHook.js';
import { FunctionFilter } from './FunctionFilter.js';
import { FunctionInstrumenter } from './FunctionInstrumenter.js';
import { type ModuleRewriter, rewriteModule } from './rewriteModule.js';

/** What {@link installFunctions} needs. */
export interface InstallFunctionsOptions {
  /** Files to instrument, relative to `cwd` (see {@link FunctionFilter}). */
  glob: string;
  /** Prints a warning (once per distinct message). */
  warn: (message: string) => void;
  /** Directory the glob is relative to. Default `process.cwd()`. */
  cwd?: string;
}

type Compile = (this: unknown, content: string, filename: string, ...rest: unknown[]) => unknown;

/**
 * Turns `--functions` on in this process: ES modules through a `module.register()` load hook
 * (Node's hooks thread), CommonJS modules through `Module.prototype._compile`, which every
 * `require()` of a `.js`/`.cjs` file goes through on Node 20 and 24 alike (the load hook sees no
 * CommonJS source there). Both hand matching files to one {@link FunctionInstrumenter}.
 * Instrumented code calls its functions straight through until `installFunctionsRuntime`
 * points it at a profiler (the preload installs the hooks first, its profiler after them).
 * Never throws: when the parser cannot be loaded, one warning and functions are not instrumented.
 * @returns whether the hooks are installed.
 */
export function installFunctions(options: InstallFunctionsOptions): boolean {
  const cwd = options.cwd ?? process.cwd();
  let rewriter: ModuleRewriter;
  try {
    rewriter = {
      filter: new FunctionFilter(options.glob, cwd),
      instrumenter: FunctionInstrumenter.load(),
      warn: options.warn,
    };
  } catch (error) {
    options.warn(`ferret: --functions is off: ${firstLine(error)}`);
    return false;
  }
  const prototype = Module.prototype as unknown as { _compile: Compile };
  const compile = prototype._compile;
  prototype._compile = function compileInstrumented(content, filename, ...rest) {
    const code =
      typeof content === 'string' && typeof filename === 'string'
        ? rewriteModule(rewriter, filename, content, 'commonjs')
        : undefined;
    return compile.call(this, code ?? content, filename, ...rest);
  };
  try {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (message) => {
      if (typeof message === 'string') options.warn(message);
    });
    port1.unref();
    const data: FunctionsHookData = { glob: options.glob, cwd, port: port2 };
    register('./functionsHook.js', {
      parentURL: import.meta.url,
      data,
      transferList: [port2],
    });
  } catch (error) {
    options.warn(`ferret: --functions covers CommonJS modules only: ${firstLine(error)}`);
  }
  return true;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] ?? '';
}

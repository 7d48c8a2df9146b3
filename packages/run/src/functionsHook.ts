/**
 * The module-loader hook of `--functions` (registered with `module.register()` by the preload;
 * runs on Node's hooks thread): instruments the ES modules whose files match the glob. CommonJS
 * modules are left to the preload's `Module.prototype._compile` hook (see `installFunctions`).
 * @module
 */
import type { InitializeHook, LoadHook } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { FunctionFilter } from './functions/FunctionFilter.js';
import { FunctionInstrumenter } from './functions/FunctionInstrumenter.js';
import { type ModuleRewriter, rewriteModule } from './functions/rewriteModule.js';

/** What the preload passes to {@link initialize}. */
export interface FunctionsHookData {
  glob: string;
  cwd: string;
  /** Warnings go back to the main thread through this port (printed there, once each). */
  port: MessagePort;
}

let rewriter: ModuleRewriter | undefined;

export const initialize: InitializeHook<FunctionsHookData> = (data) => {
  rewriter = {
    filter: new FunctionFilter(data.glob, data.cwd),
    instrumenter: FunctionInstrumenter.load(),
    warn: (message) => data.port.postMessage(message),
  };
};

const MODULE_FORMATS = new Set(['module', 'module-typescript']);

export const load: LoadHook = async (url, context, nextLoad) => {
  const result = await nextLoad(url, context);
  if (rewriter === undefined || !url.startsWith('file:') || result.source == null) return result;
  if (typeof result.format !== 'string' || !MODULE_FORMATS.has(result.format)) return result;
  const source =
    typeof result.source === 'string'
      ? result.source
      : Buffer.from(result.source as Uint8Array).toString('utf8');
  const code = rewriteModule(rewriter, fileURLToPath(url), source, 'module');
  return code === undefined ? result : { ...result, source: code };
};

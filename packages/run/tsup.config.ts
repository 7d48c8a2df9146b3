import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.js';

const src = join(dirname(fileURLToPath(import.meta.url)), 'src');

// The ES-module preload awaits a dynamic import (top-level await), which CommonJS output cannot
// hold: the CommonJS build of the `register` entry is made from registerRequire.ts instead.
const commonJsRegister: Plugin = {
  name: 'ferret-run-commonjs-register',
  setup(build) {
    if (build.initialOptions.format !== 'cjs') return;
    build.onLoad({ filter: /[\\/]src[\\/]register\.ts$/ }, () => ({
      contents: readFileSync(join(src, 'registerRequire.ts'), 'utf8'),
      loader: 'ts',
      resolveDir: src,
    }));
  },
};

export default defineConfig({
  ...packageBuild(['src/index.ts', 'src/register.ts', 'src/functionsHook.ts']),
  esbuildPlugins: [commonJsRegister],
});

import type { CliIo } from '../../src/CliIo.js';

/** In-memory io for running the CLI in-process. */
export function captureIo(options: { isTTY?: boolean; env?: Record<string, string> } = {}) {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    isTTY: options.isTTY ?? false,
    env: options.env ?? {},
  };
  return {
    io,
    get stdout() {
      return out;
    },
    get stderr() {
      return err;
    },
  };
}

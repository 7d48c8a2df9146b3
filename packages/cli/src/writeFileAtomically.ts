import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { CliError } from './CliError.js';

/** Writes through a temporary file and a rename, so a failed export never leaves half a file. */
export function writeFileAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot write ${path}: ${reason}`);
  }
}

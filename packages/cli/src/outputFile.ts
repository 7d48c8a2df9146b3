import {
  closeSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from './CliError.js';
import { terminalText } from './terminalText.js';

/** The first 16 bytes of every SQLite database file. */
const SQLITE_MAGIC = 'SQLite format 3\u0000';
/** Offset of `PRAGMA application_id` in the SQLite header (a big-endian 32-bit integer). */
const APPLICATION_ID_OFFSET = 68;

/** What the header of an existing file says it is: a Ferret database, another SQLite database, or neither. */
function databaseKind(path: string, ferretApplicationId: number): 'ferret' | 'sqlite' | undefined {
  const header = Buffer.alloc(APPLICATION_ID_OFFSET + 4);
  let read = 0;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    read = readSync(fd, header, 0, header.length, 0);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (read < 16 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) return undefined;
  if (
    read === header.length &&
    header.readUInt32BE(APPLICATION_ID_OFFSET) === ferretApplicationId
  ) {
    return 'ferret';
  }
  return 'sqlite';
}

/** The output name that means standard output (`-o -`), as most command-line tools read it. */
export const STANDARD_OUTPUT = '-';

/** Options of {@link assertOutputPath}. */
export interface OutputPathRules {
  /** Replace an existing file that is not a database (`--force`). */
  force: boolean;
  /** The database being read: neither it nor its `-wal`/`-shm`/`-journal` files may be the output. */
  database: string;
  /** `PRAGMA application_id` of Ferret databases (from `@ferret/store-sqlite`). */
  ferretApplicationId: number;
}

/**
 * Refuses an output path before any work is done: a Ferret (or any SQLite) database, the input
 * database or one of its companion files are never replaced, `--force` or not; another existing
 * file only with `force`; a directory never. `-` (standard output) is always accepted.
 * @throws CliError naming the file and what to do.
 */
export function assertOutputPath(path: string, rules: OutputPathRules): void {
  if (path === STANDARD_OUTPUT) return;
  const shown = terminalText(path);
  const target = resolve(path);
  const input = resolve(rules.database);
  if ([input, `${input}-wal`, `${input}-shm`, `${input}-journal`].includes(target)) {
    throw new CliError(`refusing to write to ${shown}: it is the database being read`);
  }
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot write ${shown}: ${reason}`);
  }
  if (isDirectory) throw new CliError(`cannot write ${shown}: it is a directory`);
  const kind = databaseKind(path, rules.ferretApplicationId);
  if (kind !== undefined) {
    const what = kind === 'ferret' ? 'a Ferret span database' : 'an SQLite database';
    throw new CliError(
      `refusing to overwrite ${shown}: it is ${what} (choose another file name, or delete it first)`,
    );
  }
  if (!rules.force) {
    throw new CliError(`${shown} already exists (pass --force to replace it)`);
  }
}

/** Writes through a temporary file and a rename, so a failed export never leaves half a file. */
export function writeFileAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    // The message names the user's path, never the temporary file's.
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `the directory ${dirname(resolve(path))} does not exist`
        : (error instanceof Error ? error.message : String(error)).replaceAll(temporary, path);
    throw new CliError(`cannot write ${terminalText(path)}: ${terminalText(reason)}`);
  }
}

import { statSync } from 'node:fs';

/** Which file a path names: its device and inode. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The identity of the file at `path` now; undefined when there is none (or it cannot be read). */
export function fileIdentity(path: string): FileIdentity | undefined {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats === undefined ? undefined : { dev: stats.dev, ino: stats.ino };
  } catch {
    return undefined;
  }
}

/**
 * How the file `path` named when `before` was taken has changed: `deleted` when no file is
 * there now, `replaced` when another file is, undefined when it is the same file.
 */
export function fileChange(path: string, before: FileIdentity): 'deleted' | 'replaced' | undefined {
  const now = fileIdentity(path);
  if (now === undefined) return 'deleted';
  return now.dev === before.dev && now.ino === before.ino ? undefined : 'replaced';
}

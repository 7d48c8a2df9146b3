import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { textSettingProblem } from '@ferret/internal';

/** OpenTelemetry's service name when nothing names the service. */
export const DEFAULT_SERVICE_NAME = 'unknown_service:node';

/** Largest package.json read for its `name`, bytes; a bigger one is skipped. */
const MAX_PACKAGE_JSON_BYTES = 1 << 20;

/** Most directories looked at, from the starting one up. */
const MAX_DEPTH = 64;

/**
 * The `name` of the nearest package.json that has a usable one, looking in `dir` and then in each
 * parent directory: a non-empty string of at most 4096 characters without control characters. A
 * package.json that is unreadable, over 1 MiB, not JSON or without such a name is passed over.
 * `undefined` when none has one. Never throws.
 */
export function nearestPackageName(dir: string): string | undefined {
  let current = resolve(dir);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const name = packageName(join(current, 'package.json'));
    if (name !== undefined) return name;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
  return undefined;
}

function packageName(file: string): string | undefined {
  try {
    const stats = statSync(file, { throwIfNoEntry: false });
    if (stats === undefined || !stats.isFile() || stats.size > MAX_PACKAGE_JSON_BYTES) {
      return undefined;
    }
    const manifest: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const name =
      typeof manifest === 'object' && manifest !== null
        ? (manifest as { name?: unknown }).name
        : undefined;
    return typeof name === 'string' && name !== '' && textSettingProblem(name) === undefined
      ? name
      : undefined;
  } catch {
    return undefined;
  }
}

import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { EncodedSourceMap } from '@jridgewell/remapping';

/** Largest source map file read to compose with (a bigger one is left out of the composition). */
export const MAX_INPUT_MAP_BYTES = 16 * 1024 * 1024;

/** A `//# sourceMappingURL=` comment at the end of a file: where it is and the map it names. */
export interface InputSourceMap {
  /** Offsets of the comment, to remove it (the output carries one composed map). */
  start: number;
  end: number;
  /** The map, or undefined when it could not be read (missing file, not JSON, too large). */
  map: EncodedSourceMap | undefined;
}

const COMMENT = /\/\/[#@][ \t]*sourceMappingURL=([^\s'"]+)[ \t]*$/;

/**
 * The source map an earlier compiler left on `source` (the last `sourceMappingURL` comment: an
 * inline `data:` URL or a file beside `path`), so the output's map leads back to the file the
 * user wrote. Never throws.
 * @internal
 */
export function findInputSourceMap(source: string, path: string): InputSourceMap | undefined {
  const tailStart = Math.max(0, source.lastIndexOf('sourceMappingURL=') - 4);
  const lineEnd = source.indexOf('\n', tailStart);
  const tail = source.slice(tailStart, lineEnd === -1 ? source.length : lineEnd);
  const match = COMMENT.exec(tail);
  if (match === null || match.index === undefined) return undefined;
  const start = tailStart + match.index;
  return { start, end: start + match[0].length, map: readMap(match[1]!, path) };
}

function readMap(url: string, path: string): EncodedSourceMap | undefined {
  try {
    let text: string;
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',');
      const header = url.slice(0, comma);
      const payload = url.slice(comma + 1);
      text = header.endsWith(';base64')
        ? Buffer.from(payload, 'base64').toString('utf8')
        : decodeURIComponent(payload);
    } else {
      const file = resolve(dirname(path), decodeURIComponent(url));
      if (statSync(file).size > MAX_INPUT_MAP_BYTES) return undefined;
      text = readFileSync(file, 'utf8');
    }
    const map = JSON.parse(text) as EncodedSourceMap;
    return map !== null && typeof map === 'object' && typeof map.mappings === 'string'
      ? map
      : undefined;
  } catch {
    return undefined;
  }
}

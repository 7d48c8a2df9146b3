/** A 1-based line and 0-based column, as source maps count them. */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * A function from a UTF-16 offset in `source` to its line and column; the line table is built on
 * first use. Lines end at `\n`, `\r\n` or a lone `\r`.
 * @internal
 */
export function positionIndex(source: string): (offset: number) => SourcePosition {
  let starts: number[] | undefined;
  return (offset) => {
    if (starts === undefined) {
      starts = [0];
      for (let i = 0; i < source.length; i++) {
        const code = source.charCodeAt(i);
        if (code === 0x0a || (code === 0x0d && source.charCodeAt(i + 1) !== 0x0a)) {
          starts.push(i + 1);
        }
      }
    }
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (starts[low] ?? 0) };
  };
}

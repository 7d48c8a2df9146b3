import type { StackNode, StackTree } from './readerTypes.js';
import type { SpeedscopeFrame } from './speedscope.js';
import { terminalText } from './terminalText.js';

/** Longest frame name written to a flame-graph file; longer names are cut with an ellipsis. */
export const FRAME_NAME_CHARS = 500;

/**
 * A name read from the database as every exported file shows it (speedscope frames and profile
 * names, folded stacks): control characters escaped as in the terminal (`\x1b`), cut to
 * {@link FRAME_NAME_CHARS} with an ellipsis.
 */
export function shownName(name: string): string {
  return terminalText(name, FRAME_NAME_CHARS);
}

/** A span name as a frame of a folded stack: {@link shownName}, `;` (the frame separator) as `\x3b`. */
export function frameName(name: string): string {
  return shownName(name).replaceAll(';', '\\x3b');
}

/** A node's self time in weight-scaled whole microseconds. */
function selfMicros(node: StackNode): number {
  return Math.round(node.selfMs * 1000);
}

/**
 * Visits every node with its path of frame names (root first), depth first, children in the
 * tree's order (heaviest first). Iterative: deep stacks do not use the JS stack.
 */
function visitPaths(
  roots: readonly StackNode[],
  visit: (node: StackNode, path: readonly string[]) => void,
): void {
  const pending: Array<{ node: StackNode; depth: number }> = [];
  for (let i = roots.length - 1; i >= 0; i--) pending.push({ node: roots[i]!, depth: 0 });
  const path: string[] = [];
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    path.length = depth;
    path.push(frameName(node.name));
    visit(node, path);
    for (let i = node.children.length - 1; i >= 0; i--) {
      pending.push({ node: node.children[i]!, depth: depth + 1 });
    }
  }
}

/**
 * The run as folded stacks (Brendan Gregg's collapsed format, read by flamegraph.pl, inferno and
 * speedscope's importer): one line `root;child;grandchild value` per call path with self time,
 * the value in weight-scaled microseconds of self time. Paths whose self time rounds to 0 µs are
 * left out (their time is in their children's lines).
 */
export function toCollapsed(tree: StackTree): string[] {
  const lines: string[] = [];
  visitPaths(tree.roots, (node, path) => {
    const value = selfMicros(node);
    if (value > 0) lines.push(`${path.join(';')} ${value}`);
  });
  return lines;
}

/** https://www.speedscope.app/file-format-schema.json: a sampled (weighted) profile. */
export interface SpeedscopeSampledProfile {
  type: 'sampled';
  name: string;
  unit: 'microseconds';
  startValue: number;
  endValue: number;
  /** Each sample is a stack of frame indices, outermost first. */
  samples: number[][];
  weights: number[];
}

/** A speedscope file holding one aggregated (sampled) profile of a whole run. */
export interface SpeedscopeAggregateFile {
  $schema: 'https://www.speedscope.app/file-format-schema.json';
  shared: { frames: SpeedscopeFrame[] };
  profiles: SpeedscopeSampledProfile[];
  name: string;
  activeProfileIndex: 0;
  exporter?: string;
}

/**
 * The whole run as one speedscope sampled profile: one weighted sample per call path with self
 * time (weight: weight-scaled microseconds of self time), so speedscope's left-heavy and
 * sandwich views show where the run's time went across every trace.
 */
export function toAggregateSpeedscope(
  tree: StackTree,
  options: { name: string; exporter?: string },
): SpeedscopeAggregateFile {
  const frames: SpeedscopeFrame[] = [];
  const frameIndex = new Map<string, number>();
  const samples: number[][] = [];
  const weights: number[] = [];
  let total = 0;
  visitPaths(tree.roots, (node, path) => {
    const value = selfMicros(node);
    if (value <= 0) return;
    samples.push(
      path.map((name) => {
        let index = frameIndex.get(name);
        if (index === undefined) {
          index = frames.length;
          frames.push({ name });
          frameIndex.set(name, index);
        }
        return index;
      }),
    );
    weights.push(value);
    total += value;
  });
  const file: SpeedscopeAggregateFile = {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames },
    profiles: [
      {
        type: 'sampled',
        name: `${shownName(options.name)} (all traces, self time × sampling weight)`,
        unit: 'microseconds',
        startValue: 0,
        endValue: total,
        samples,
        weights,
      },
    ],
    name: shownName(options.name),
    activeProfileIndex: 0,
  };
  if (options.exporter !== undefined) file.exporter = options.exporter;
  return file;
}

// `reader.stackTree()`: the whole run merged into one call tree by stack (root name; child name;
// …), weighted by sampling weight: what a flame graph or icicle of the run draws. One streaming
// pass; memory grows with distinct stacks (bounded), never with spans.
import type Database from 'better-sqlite3';
import type { StackNode, StackTree } from './analysisTypes.js';
import { RenamedRoots } from './callEstimates.js';
import { LocalRoots } from './localRoots.js';
import { readCountTotals, rootFactors } from './rootFactors.js';
import { RootScaledSums } from './rootScaledSums.js';
import { RowChecker } from './rowChecks.js';
import { streamRun } from './runStream.js';
import { SelfTimeWalk } from './selfTimeWalk.js';

/** Distinct stacks kept by default before new ones are folded into `(other)` frames. */
export const DEFAULT_MAX_STACKS = 50_000;
/** Most distinct stacks a caller may ask for. */
export const MAX_STACKS = 1_000_000;

/** The name of the frame that holds the children of a node past the stack limit. */
export const OTHER_FRAME = '(other)';

interface MutableNode extends StackNode {
  children: MutableNode[];
  /** Children by name while building (dropped from the result). */
  byName?: Map<string, MutableNode>;
  /** Weighted sums per local root name while building (scaled into the result, then dropped). */
  sums?: RootScaledSums;
}

function newNode(name: string): MutableNode {
  return {
    name,
    calls: 0,
    recorded: 0,
    totalMs: 0,
    selfMs: 0,
    children: [],
    sums: new RootScaledSums(),
  };
}

/**
 * A span while its local root and self time are found (either may come first): its frame,
 * weight and duration, its root name once placed, its self time once finished.
 */
interface SpanSums {
  node: MutableNode;
  weight: number;
  durationMs: number;
  /** The local root's name once placed (`undefined`: not found); `null` before. */
  root: string | undefined | null;
  /** Self time once the walk finished the span; `-1` before. */
  selfMs: number;
}

/**
 * Streams one run into a {@link StackTree}. A span's stack is its chain of stored ancestors
 * that were open when it started; a span whose parent is not stored (or had ended) starts a stack
 * of its own at the top level. Values stand for every call, as `analyze()` counts them: `calls` is
 * Σ weight, `totalMs` Σ duration × weight, `selfMs` Σ self time × weight, each span's weight
 * scaled by the factor of its local root's name (exact calls ÷ Σ stored root weight, found by
 * parent ids as `analyze()` finds it; 1 when the root is not stored).
 */
export function buildStackTree(
  db: Database.Database,
  path: string,
  runKey: number,
  maxStacks: number,
): Omit<StackTree, 'runId'> {
  const root = newNode('');
  let stacks = 0;
  let foldedSpans = 0;
  const childOf = (parent: MutableNode, name: string): MutableNode => {
    if (parent.byName === undefined) parent.byName = new Map();
    let node = parent.byName.get(name);
    if (node !== undefined) return node;
    // Past the limit, a new stack joins its parent's (other) frame (one per parent at most).
    const key = stacks >= maxStacks ? OTHER_FRAME : name;
    if (key === OTHER_FRAME) foldedSpans++;
    node = parent.byName.get(key);
    if (node === undefined) {
      node = newNode(key);
      parent.byName.set(key, node);
      parent.children.push(node);
      stacks++;
    }
    return node;
  };
  // Without count records no root name has a factor: the roots are not looked up at all.
  const counts = readCountTotals(db, runKey, new RowChecker(path));
  const scaled = counts.size > 0;
  const walk = new SelfTimeWalk<SpanSums>((span) => {
    const sums = span.data;
    sums.selfMs = span.selfMs;
    if (sums.root !== null) sums.node.sums!.add(sums.root, 0, 0, sums.selfMs * sums.weight);
  });
  const roots = new LocalRoots<SpanSums>((sums, rootName) => {
    sums.root = rootName;
    const self = sums.selfMs < 0 ? 0 : sums.selfMs * sums.weight;
    sums.node.sums!.add(rootName, sums.weight, sums.durationMs * sums.weight, self);
  });
  /** Σ weight and count of the stored roots per name, for the factors. */
  const rootWeights = new Map<string, [number, number]>();
  const renamed = new RenamedRoots();
  streamRun(db, path, runKey, undefined, (row) => {
    if (row.isRoot) {
      const sums = rootWeights.get(row.name);
      if (sums === undefined) rootWeights.set(row.name, [row.weight, 1]);
      else {
        sums[0] += row.weight;
        sums[1]++;
      }
      if (row.sampledName !== null) renamed.add(row.name, row.sampledName, row.weight);
    }
    const parent = walk.parentOf(row.traceId, row.parentSpanId);
    const node = childOf(parent?.data.node ?? root, row.name);
    node.recorded += 1;
    const sums: SpanSums = {
      node,
      weight: row.weight,
      durationMs: row.durationMs,
      root: null,
      selfMs: -1,
    };
    walk.add(row.traceId, row.spanId, row.parentSpanId, row.start, row.durationMs, parent, sums);
    if (!scaled) {
      sums.root = undefined;
      node.sums!.add(undefined, row.weight, row.durationMs * row.weight, 0);
      return;
    }
    roots.addRow(row, sums);
  });
  walk.finish();
  roots.finish();
  const { factors } = rootFactors(
    counts,
    [...rootWeights].map(([name, [weight, spans]]): [string, number, number] => [
      name,
      weight,
      spans,
    ]),
    renamed,
  );
  // Scale the sums and drop the build-time fields; order children by total time, heaviest first.
  const stack: MutableNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    delete node.byName;
    if (node.sums !== undefined) {
      [node.calls, node.totalMs, node.selfMs] = node.sums.scaled(factors);
      delete node.sums;
    }
    for (const child of node.children) stack.push(child);
  }
  // Children by total time once every node holds its scaled values.
  const order: MutableNode[] = [root];
  while (order.length > 0) {
    const node = order.pop()!;
    node.children.sort((a, b) => b.totalMs - a.totalMs || (a.name < b.name ? -1 : 1));
    for (const child of node.children) order.push(child);
  }
  let totalMs = 0;
  for (const child of root.children) totalMs += child.totalMs;
  return { roots: root.children, stacks, foldedSpans, totalMs };
}

// `reader.stackTree()`: the whole run merged into one call tree by stack (root name; child name;
// …), weighted by sampling weight: what a flame graph or icicle of the run draws. One streaming
// pass; memory grows with distinct stacks (bounded), never with spans.
import type Database from 'better-sqlite3';
import type { StackNode, StackTree } from './analysisTypes.js';
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
}

function newNode(name: string): MutableNode {
  return { name, calls: 0, recorded: 0, totalMs: 0, selfMs: 0, children: [] };
}

/**
 * Streams one run into a {@link StackTree}. A span's stack is its chain of stored ancestors
 * that were open when it started; a span whose parent is not stored (or had ended) starts a stack
 * of its own at the top level. Values are weight-scaled: `calls` is Σ weight, `totalMs` Σ
 * duration × weight, `selfMs` Σ self time × weight.
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
  const walk = new SelfTimeWalk<{ node: MutableNode; weight: number }>((span) => {
    span.data.node.selfMs += span.selfMs * span.data.weight;
  });
  streamRun(db, path, runKey, undefined, (row) => {
    const parent = walk.parentOf(row.traceId, row.parentSpanId);
    const node = childOf(parent?.data.node ?? root, row.name);
    node.calls += row.weight;
    node.recorded += 1;
    node.totalMs += row.durationMs * row.weight;
    walk.add(row.traceId, row.spanId, row.parentSpanId, row.start, row.durationMs, parent, {
      node,
      weight: row.weight,
    });
  });
  walk.finish();
  // Drop the build-time indexes; order children by total time, heaviest first.
  const stack: MutableNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    delete node.byName;
    node.children.sort((a, b) => b.totalMs - a.totalMs || (a.name < b.name ? -1 : 1));
    for (const child of node.children) stack.push(child);
  }
  let totalMs = 0;
  for (const child of root.children) totalMs += child.totalMs;
  return { roots: root.children, stacks, foldedSpans, totalMs };
}

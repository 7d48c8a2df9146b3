import type { SpanRecord } from '@ferret/profiler';
import type { SpanNode, TraceTree } from './readerTypes.js';

/** Links one trace's spans under `rootSpanId`; spans not descending from it are left out. */
export function buildTree(
  traceId: string,
  rootSpanId: string,
  spans: readonly SpanRecord[],
): TraceTree {
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) nodes.set(span.spanId, { span, children: [] });
  const root = nodes.get(rootSpanId)!;
  for (const node of nodes.values()) {
    const parentId = node.span.parentSpanId;
    if (node === root || parentId === undefined) continue;
    nodes.get(parentId)?.children.push(node);
  }
  // Iterative walk: a deep trace must not overflow the stack.
  let spanCount = 0;
  const stack = [root];
  const seen = new Set<SpanNode>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    spanCount++;
    node.children.sort((x, y) => x.span.startTime - y.span.startTime);
    for (const child of node.children) stack.push(child);
  }
  return { traceId, root, spanCount, durationMs: root.span.duration };
}

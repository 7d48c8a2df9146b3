// The pass that finds each child span's own local root for the call estimates: which root
// name's factor (callEstimates.ts) scales it.
import type Database from 'better-sqlite3';
import { LocalRoots } from './localRoots.js';
import { streamRun } from './runStream.js';

/**
 * `[child name, root name, Σ weight, Σ weight × duration]` of the run's child spans whose own
 * local root (where its parent chain leads, by ids: {@link LocalRoots}) has a factor: one pass in
 * start order; memory grows with open spans, the spans {@link LocalRoots} keeps, and (child,
 * root) name pairs.
 */
export function childWeightsByWalk(
  db: Database.Database,
  path: string,
  runKey: number,
  factors: ReadonlyMap<string, number>,
): [string, string, number, number][] {
  const sums = new Map<string, Map<string, [number, number]>>();
  const roots = new LocalRoots<ChildWeight | undefined>((child, rootName) => {
    if (child === undefined || rootName === undefined || !factors.has(rootName)) return;
    let byRoot = sums.get(child[0]);
    if (byRoot === undefined) {
      byRoot = new Map();
      sums.set(child[0], byRoot);
    }
    const pair = byRoot.get(rootName);
    if (pair === undefined) byRoot.set(rootName, [child[1], child[2]]);
    else {
      pair[0] += child[1];
      pair[1] += child[2];
    }
  });
  streamRun(db, path, runKey, undefined, (row) => {
    roots.addRow(row, row.isRoot ? undefined : [row.name, row.weight, row.weight * row.durationMs]);
  });
  roots.finish();
  const pairs: [string, string, number, number][] = [];
  for (const [child, byRoot] of sums) {
    for (const [root, [weight, weightedMs]] of byRoot)
      pairs.push([child, root, weight, weightedMs]);
  }
  return pairs;
}

/** A child span as {@link childWeightsByWalk} keeps it: name, weight, weight × duration. */
type ChildWeight = [string, number, number];

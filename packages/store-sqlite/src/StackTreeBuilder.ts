import { RootScaledSums } from './rootScaledSums.js';
import type { StackFrame } from './runProfileTypes.js';

/** The name of the frame that holds the paths past the frame limit. */
export const OTHER_FRAME = '(other)';

/** A frame while the tree is built: weighted sums per local root name, children by name. */
export interface MutableFrame {
  name: string;
  sums: RootScaledSums;
  recorded: number;
  errors: number;
  children: Map<string, MutableFrame> | undefined;
}

function newFrame(name: string): MutableFrame {
  return { name, sums: new RootScaledSums(), recorded: 0, errors: 0, children: undefined };
}

/**
 * Merges spans into a tree keyed by the path of names from the root, with a bounded number of
 * frames: once `maxFrames` exist, a new name under a frame goes to that frame's `(other)` child.
 * Memory grows with distinct paths, never with spans.
 */
export class StackTreeBuilder {
  readonly #root: MutableFrame;
  readonly #maxFrames: number;
  #frames = 1;
  /** Spans merged into an `(other)` frame because of the frame limit. */
  spansInOtherFrames = 0;

  constructor(rootName: string, maxFrames: number) {
    this.#root = newFrame(rootName);
    this.#maxFrames = maxFrames;
  }

  /** The synthetic root: the parent of every top-level frame. */
  get root(): MutableFrame {
    return this.#root;
  }

  /** The child frame `name` of `parent` . */
  child(frame: MutableFrame, name: string): MutableFrame {
    frame.children ??= new Map();
    let child = frame.children.get(name);
    if (child !== undefined) return child;
    if (this.#frames >= this.#maxFrames) {
      this.spansInOtherFrames++;
      child = frame.children.get(OTHER_FRAME);
      if (child !== undefined) return child;
      // The (other) frame itself may pass the limit by one per parent: it is what keeps the rest.
      name = OTHER_FRAME;
    }
    child = newFrame(name);
    frame.children.set(name, child);
    this.#frames++;
    return child;
  }

  /**
   * Adds one span to `frame`: its weight, weighted duration and weighted self time, under the
   * name of its local root (`undefined` when not known), whose factor scales them in `build`.
   */
  add(
    f: MutableFrame,
    rootName: string | undefined,
    weight: number,
    durationMs: number,
    selfMs: number,
    isError: boolean,
  ): void {
    f.sums.add(rootName, weight, durationMs * weight, selfMs * weight);
    f.recorded++;
    if (isError) f.errors++;
  }

  /**
   * The finished tree, children sorted by total time, each frame's sums scaled by the factors of
   * its spans' root names (`factors`: root name → exact calls ÷ Σ stored root weight, as the call
   * estimates compute them), so frames count calls as `analyze()` does. The synthetic root's
   * totals are the sums of its children's (it has no span of its own).
   */
  build(factors: ReadonlyMap<string, number> = new Map()): StackFrame {
    const root = this.#root;
    // Iterative conversion: a deep tree must not overflow the stack.
    const out = toStackFrame(root, factors);
    const stack: [MutableFrame, StackFrame][] = [[root, out]];
    while (stack.length > 0) {
      const [frame, converted] = stack.pop()!;
      for (const child of frame.children?.values() ?? []) {
        const convertedChild = toStackFrame(child, factors);
        converted.children.push(convertedChild);
        stack.push([child, convertedChild]);
      }
      converted.children.sort((a, b) => b.totalMs - a.totalMs || (a.name < b.name ? -1 : 1));
    }
    out.calls = 0;
    out.recorded = 0;
    out.totalMs = 0;
    out.errors = 0;
    for (const child of out.children) {
      out.calls += child.calls;
      out.recorded += child.recorded;
      out.totalMs += child.totalMs;
      out.errors += child.errors;
    }
    return out;
  }
}

function toStackFrame(frame: MutableFrame, factors: ReadonlyMap<string, number>): StackFrame {
  const [calls, totalMs, selfMs] = frame.sums.scaled(factors);
  return {
    name: frame.name,
    calls,
    recorded: frame.recorded,
    totalMs,
    selfMs,
    errors: frame.errors,
    children: [],
  };
}

import type { StackFrame } from './runProfileTypes.js';

/** The name of the frame that holds the paths past the frame limit. */
export const OTHER_FRAME = '(other)';

/** A frame while the tree is built: children by name. */
export interface MutableFrame {
  name: string;
  calls: number;
  recorded: number;
  totalMs: number;
  selfMs: number;
  errors: number;
  children: Map<string, MutableFrame> | undefined;
}

function newFrame(name: string): MutableFrame {
  return {
    name,
    calls: 0,
    recorded: 0,
    totalMs: 0,
    selfMs: 0,
    errors: 0,
    children: undefined,
  };
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

  /** Adds one span to `frame`: its weight, weighted duration and weighted self time. */
  add(f: MutableFrame, weight: number, durationMs: number, selfMs: number, isError: boolean): void {
    f.calls += weight;
    f.recorded++;
    f.totalMs += durationMs * weight;
    f.selfMs += selfMs * weight;
    if (isError) f.errors++;
  }

  /**
   * The finished tree, children sorted by total time. The synthetic root's totals are the sums of
   * its children's (it has no span of its own).
   */
  build(): StackFrame {
    const root = this.#root;
    root.calls = 0;
    root.recorded = 0;
    root.totalMs = 0;
    root.errors = 0;
    for (const child of root.children?.values() ?? []) {
      root.calls += child.calls;
      root.recorded += child.recorded;
      root.totalMs += child.totalMs;
      root.errors += child.errors;
    }
    // Iterative conversion: a deep tree must not overflow the stack.
    const out = toStackFrame(root);
    const stack: [MutableFrame, StackFrame][] = [[root, out]];
    while (stack.length > 0) {
      const [frame, converted] = stack.pop()!;
      for (const child of frame.children?.values() ?? []) {
        const convertedChild = toStackFrame(child);
        converted.children.push(convertedChild);
        stack.push([child, convertedChild]);
      }
      converted.children.sort((a, b) => b.totalMs - a.totalMs || (a.name < b.name ? -1 : 1));
    }
    return out;
  }
}

function toStackFrame(frame: MutableFrame): StackFrame {
  return {
    name: frame.name,
    calls: frame.calls,
    recorded: frame.recorded,
    totalMs: frame.totalMs,
    selfMs: frame.selfMs,
    errors: frame.errors,
    children: [],
  };
}

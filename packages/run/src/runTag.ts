// Which spans are roots of this service's traces under `ferret run`. A remote parent (one that
// came in a `traceparent` header) is another service's decision, made by whoever sent the request:
// a span under it asks the budget like a root and is counted, unless the parent's tracestate
// carries this run's tag, i.e. the trace was decided by a process of the same `ferret run` (a
// gateway and its backend started together, an app calling itself), which already counted it.
import {
  FERRET_TRACESTATE_KEY,
  ferretTraceStateValue,
  parseOtValue,
  serializeOtValue,
  traceStateRunTag,
} from '@ferret/internal';
import { createTraceState, type SpanContext, type TraceState } from '@opentelemetry/api';

export { runTagOf } from '@ferret/internal';

/** True when `traceState` carries `runTag` (the trace was decided by this run). Never throws. */
export function isSameRun(traceState: TraceState | undefined, runTag: string | undefined): boolean {
  if (traceState === undefined || runTag === undefined) return false;
  return traceStateRunTag((key) => traceState.get(key)) === runTag;
}

/**
 * True when a span with this parent is a root of this service's traces: no parent, or a remote
 * one whose tracestate does not carry this run's tag.
 */
export function isLocalRoot(parent: SpanContext | undefined, runTag: string | undefined): boolean {
  return (
    parent === undefined || (parent.isRemote === true && !isSameRun(parent.traceState, runTag))
  );
}

/**
 * The tracestate of a local root under a remote parent: the caller's, with this run's `ferret`
 * member (the local weight, when sampled, and the tag) and without the `ot` threshold, which
 * states a consistent decision this root did not follow (the probability-sampling
 * specification's rule for a non-consistent decision); `ot`'s other sub-keys are kept.
 */
export function localRootTraceState(
  upstream: TraceState | undefined,
  probability: number | undefined,
  runTag: string | undefined,
): TraceState {
  let state = upstream ?? createTraceState();
  try {
    const ot = state.get('ot');
    if (ot !== undefined) {
      const parsed = parseOtValue(ot);
      if (parsed.threshold !== undefined || parsed.erased) {
        const kept = serializeOtValue(undefined, parsed.randomness, parsed.rest);
        state = kept === '' ? state.unset('ot') : state.set('ot', kept);
      }
    }
    const value = ferretTraceStateValue(probability, runTag);
    return value === ''
      ? state.unset(FERRET_TRACESTATE_KEY)
      : state.set(FERRET_TRACESTATE_KEY, value);
  } catch {
    const value = ferretTraceStateValue(probability, runTag);
    return value === '' ? createTraceState() : createTraceState().set(FERRET_TRACESTATE_KEY, value);
  }
}

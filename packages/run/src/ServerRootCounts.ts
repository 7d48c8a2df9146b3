import { errorMonitor } from 'node:events';
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Profiler } from '@ferret/profiler';
import { context, type Span } from '@opentelemetry/api';
import { getRPCMetadata, type RPCMetadata, RPCType } from '@opentelemetry/core';

/** The sampler's side: which root it decided last (see `ProfilerSampler.takeRoot`). */
export interface RootDecisions {
  takeRoot(traceId: string): string | undefined;
}

/** The span processor's side: a root counted here gets no `ferret.sampled_name`. */
export interface StartNames {
  countedUnderFinalName(span: object): void;
}

/** A request whose call is counted when its response ends. */
interface PendingRoot {
  profiler: Profiler;
  /** The name the root was admitted under (its span's name at the start: the method). */
  admittedName: string;
  method: string;
  recorded: boolean;
  /** The request's RPC metadata, where express and @fastify/otel set the route. */
  metadata: RPCMetadata;
  done: boolean;
}

const PENDING = Symbol('ferret.pendingRoot');
type Tracked = ServerResponse & { [PENDING]?: PendingRoot };

/**
 * Counts each HTTP server root once, when its response ends, under the name its span ends with:
 * `"<METHOD> <route>"` when the framework set a route (express and @fastify/otel set it on the
 * request's RPC metadata, sampled or not), else the name it was admitted under (a 404; a
 * response that emitted 'error', whose span the http instrumentation ends unrenamed). So each
 * route's calls are exact, sampled or not, while the decision (weight, fair share) stays with
 * the name the root was admitted under when it started (`GET`): the route is not known then.
 *
 * It is instrumentation-http's `responseHook`, which runs at the start of every incoming request
 * (sampled or not), right after its span was decided, inside the context holding the request's
 * RPC metadata. Only a root the sampler has just admitted under its name is taken over (a server
 * span under a parent of the same run is a child: its trace's root was counted where it started).
 */
export class ServerRootCounts {
  readonly #profiler: Profiler;
  readonly #roots: RootDecisions;
  readonly #startNames: StartNames;

  constructor(profiler: Profiler, roots: RootDecisions, startNames: StartNames) {
    this.#profiler = profiler;
    this.#roots = roots;
    this.#startNames = startNames;
  }

  /** instrumentation-http's `responseHook` (for outgoing requests too: those are left alone). */
  readonly responseHook = (span: Span, response: IncomingMessage | ServerResponse): void => {
    if (!(response instanceof ServerResponse)) return;
    const metadata = getRPCMetadata(context.active());
    if (metadata?.type !== RPCType.HTTP || metadata.span !== span) return;
    const admittedName = this.#roots.takeRoot(span.spanContext().traceId);
    if (admittedName === undefined) return;
    const recorded = span.isRecording();
    if (!this.#profiler.deferExternalRootCount(admittedName, recorded)) return;
    if (recorded) this.#startNames.countedUnderFinalName(span);
    (response as Tracked)[PENDING] = {
      profiler: this.#profiler,
      admittedName,
      method: response.req?.method || 'GET',
      recorded,
      metadata,
      done: false,
    };
    // `on`, not `once`: no wrapper per request (`done` keeps it to one count).
    response.on('close', onClose);
    response.on(errorMonitor, onError);
  };

  toString(): string {
    return 'ServerRootCounts';
  }
}

/** The response ended: one call of its final name (the instrumentation's own rename rule). */
function onClose(this: Tracked): void {
  const pending = this[PENDING];
  if (pending === undefined || pending.done) return;
  pending.done = true;
  const route = pending.metadata.route;
  pending.profiler.countExternalRoot(
    route ? `${pending.method} ${route}` : pending.admittedName,
    pending.recorded,
  );
}

/** The response failed: its span ends now, not renamed; so is its call counted. */
function onError(this: Tracked): void {
  const pending = this[PENDING];
  if (pending === undefined || pending.done) return;
  pending.done = true;
  pending.profiler.countExternalRoot(pending.admittedName, pending.recorded);
}

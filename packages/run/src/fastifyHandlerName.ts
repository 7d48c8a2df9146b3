import type { Span } from '@opentelemetry/api';

/** What @fastify/otel passes its `lifecycleHook`, as far as this module reads it. */
export interface FastifyLifecycleInfo {
  hookName: string;
  request: { routeOptions?: { url?: string } };
}

/**
 * @fastify/otel's `lifecycleHook`: the span of a route handler without a function name becomes
 * `handler - <http.route>` (`handler - /users/:id`). @fastify/otel names such a span after its own
 * plugin (`handler - fastify -> @fastify/otel`), the same for every route, which would merge every
 * anonymous handler into one row. Named handlers keep `handler - <name>`; hooks are left alone.
 */
export function nameAnonymousHandler(span: Span, info: FastifyLifecycleInfo): void {
  if (info.hookName !== 'handler') return;
  // A recording span of the SDK holds the attributes @fastify/otel started it with; a span that
  // was not sampled has none and keeps its name (it is never stored).
  const attributes = (span as { attributes?: Record<string, unknown> }).attributes;
  if (attributes?.['hook.callback.name'] !== 'anonymous') return;
  const route = attributes['http.route'] ?? info.request.routeOptions?.url;
  if (typeof route !== 'string' || route === '') return;
  span.updateName(`handler - ${route}`);
}

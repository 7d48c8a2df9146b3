import { BasicTracerProvider, type Span } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { nameAnonymousHandler } from '../src/fastifyHandlerName.js';

const tracer = new BasicTracerProvider().getTracer('test');

/** A span as @fastify/otel starts it for a handler or hook. */
function fastifySpan(name: string, callbackName: string, route = '/users/:id'): Span {
  return tracer.startSpan(name, {
    attributes: { 'hook.callback.name': callbackName, 'http.route': route },
  }) as Span;
}

describe('nameAnonymousHandler', () => {
  it('names an anonymous handler after its route', () => {
    const span = fastifySpan('handler - fastify -> @fastify/otel', 'anonymous');
    nameAnonymousHandler(span, { hookName: 'handler', request: {} });
    expect(span.name).toBe('handler - /users/:id');
  });

  it('takes the route from the request when the span has none', () => {
    const span = tracer.startSpan('handler - fastify -> @fastify/otel', {
      attributes: { 'hook.callback.name': 'anonymous' },
    }) as Span;
    nameAnonymousHandler(span, { hookName: 'handler', request: { routeOptions: { url: '/a' } } });
    expect(span.name).toBe('handler - /a');
  });

  it('leaves named handlers and anonymous hooks alone', () => {
    const named = fastifySpan('handler - getUser', 'getUser');
    nameAnonymousHandler(named, { hookName: 'handler', request: {} });
    expect(named.name).toBe('handler - getUser');
    const hook = fastifySpan('onRequest - fastify -> @fastify/otel', 'anonymous');
    nameAnonymousHandler(hook, { hookName: 'onRequest', request: {} });
    expect(hook.name).toBe('onRequest - fastify -> @fastify/otel');
  });
});

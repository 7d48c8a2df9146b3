import { ProfilerError } from './ProfilerError.js';
import type { AnySpan } from './ProfilerSpan.js';

/** What the instrumentation helpers need from the profiler. @internal */
export interface MeasureHost {
  measure<R>(name: string, fn: (span: AnySpan) => R): R;
}

/** Where a failing span name function is reported. @internal */
export type ReportError = (error: ProfilerError) => void;

/** A span name: fixed, or computed from the call (with the call's `this`). */
export type SpanNameSource<This, Args extends unknown[]> =
  | string
  | ((this: This, ...args: Args) => string);

/**
 * `Profiler.wrap()`: `fn` measured on each call. The name is a string, a function of the call's
 * arguments, or (with no name) `fn.name`. A name function that throws is reported and the
 * function's own name is used.
 * @internal
 */
export function wrapMeasured<This, Args extends unknown[], Return>(
  host: MeasureHost,
  report: ReportError,
  nameOrFn: SpanNameSource<This, Args> | ((this: This, ...args: Args) => Return),
  maybeFn: ((this: This, ...args: Args) => Return) | undefined,
): (this: This, ...args: Args) => Return {
  let name = nameOrFn as SpanNameSource<This, Args>;
  let fn = maybeFn;
  if (fn === undefined) {
    fn = nameOrFn as (this: This, ...args: Args) => Return;
    name = typeof fn === 'function' && fn.name !== '' ? fn.name : 'anonymous';
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`Expected \`fn\` to be a function, got ${typeof fn}`);
  }
  if (typeof name !== 'string' && typeof name !== 'function') {
    throw new TypeError(`Expected \`name\` to be a string or a function, got ${typeof name}`);
  }
  const target = fn;
  if (typeof name === 'string') {
    const fixed = name;
    return function (this: This, ...args: Args): Return {
      return host.measure(fixed, () => target.apply(this, args));
    };
  }
  return withNameFunction(
    host,
    report,
    name,
    target,
    target.name !== '' ? target.name : 'anonymous',
  );
}

/**
 * `Profiler.measured()`: a standard (TC39) method decorator measuring each call. Default name
 * `ClassName.method`; or a string; or a function of the call's arguments.
 * @internal
 */
export function measuredDecorator<This, Args extends unknown[], Return>(
  host: MeasureHost,
  report: ReportError,
  name: SpanNameSource<This, Args> | undefined,
): (
  target: (this: This, ...args: Args) => Return,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
) => (this: This, ...args: Args) => Return {
  if (name !== undefined && typeof name !== 'string' && typeof name !== 'function') {
    throw new TypeError(`Expected \`name\` to be a string or a function, got ${typeof name}`);
  }
  return (target, context) => {
    if (context.kind !== 'method') {
      throw new TypeError(`@measured() decorates methods, not a ${String(context.kind)}`);
    }
    const method = String(context.name);
    if (typeof name === 'string') return wrapMeasured(host, report, name, target);
    if (typeof name === 'function') return withNameFunction(host, report, name, target, method);
    const names = new WeakMap<object, string>();
    const isStatic = context.static;
    return function (this: This, ...args: Args): Return {
      return host.measure(qualifiedName(this, method, isStatic, names, report), () =>
        target.apply(this, args),
      );
    };
  };
}

function withNameFunction<This, Args extends unknown[], Return>(
  host: MeasureHost,
  report: ReportError,
  nameFn: (this: This, ...args: Args) => string,
  target: (this: This, ...args: Args) => Return,
  fallback: string,
): (this: This, ...args: Args) => Return {
  return function (this: This, ...args: Args): Return {
    const spanName = nameFrom(report, nameFn, this, args, fallback);
    return host.measure(spanName, () => target.apply(this, args));
  };
}

function nameFrom<This, Args extends unknown[]>(
  report: ReportError,
  nameFn: (this: This, ...args: Args) => string,
  thisArg: This,
  args: Args,
  fallback: string,
): string {
  try {
    const name = nameFn.apply(thisArg, args);
    return typeof name === 'string' ? name : String(name);
  } catch (error) {
    report(
      new ProfilerError('NAME_FUNCTION', `span name function threw; using "${fallback}"`, {
        cause: error,
      }),
    );
    return fallback;
  }
}

/**
 * `ClassName.method` for the instance (or, on a static method, the class) the call is on; the
 * method name alone when the class cannot be read (a revoked proxy, a throwing getter).
 */
function qualifiedName(
  self: unknown,
  method: string,
  isStatic: boolean,
  cache: WeakMap<object, string>,
  report: ReportError,
): string {
  try {
    const owner = isStatic
      ? self
      : (self as { constructor?: unknown } | null | undefined)?.constructor;
    if (owner === null || (typeof owner !== 'function' && typeof owner !== 'object')) return method;
    let name = cache.get(owner as object);
    if (name === undefined) {
      const className = (owner as { name?: unknown }).name;
      name = typeof className === 'string' && className !== '' ? `${className}.${method}` : method;
      cache.set(owner as object, name);
    }
    return name;
  } catch (error) {
    report(
      new ProfilerError('NAME_FUNCTION', `class name could not be read; using "${method}"`, {
        cause: error,
      }),
    );
    return method;
  }
}

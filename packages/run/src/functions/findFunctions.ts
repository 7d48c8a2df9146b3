/** The fields of an ESTree node (as `oxc-parser` returns them) that the walk reads. @internal */
export interface AstNode {
  type: string;
  start: number;
  end: number;
  [field: string]: unknown;
}

/** A function whose body `--functions` wraps in a span. @internal */
export interface WrapTarget {
  /** Function part of the span name: `handler`, `Orders.load`, `<anonymous>@12`. */
  name: string;
  async: boolean;
  /** True for a `{ … }` body, false for an arrow's expression body. */
  block: boolean;
  /** Where the wrapper opens: after `{` and any directive prologue, or at the expression. */
  open: number;
  /** Where the wrapper closes: before the closing `}`, or after the expression. */
  close: number;
}

type Keys = Record<string, readonly string[]>;

const FUNCTION_TYPES = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
]);

/**
 * The functions of a parsed program that `--functions` wraps, in source order:
 * declarations, expressions, arrows with a block body, named arrows with an expression body,
 * and class and object methods, async or not. Left alone: generators (`yield` cannot cross
 * into the wrapper's closure), getters and setters (property reads), constructors (`super()`
 * must stay in the constructor's own body), anonymous arrows with an expression body (inline
 * callbacks such as `.map((x) => x.id)`, one span per element would flood a trace), functions
 * without a body (TypeScript overloads), and functions whose body redeclares a parameter with
 * `var` (the wrapper's closure would give that `var` a fresh binding).
 *
 * Recursive: a program nested deeper than the stack allows throws `RangeError`, which the
 * caller treats as any other failure (the file runs unchanged).
 * @internal
 */
export function findFunctions(program: AstNode, source: string, keys: Keys): WrapTarget[] {
  const targets: WrapTarget[] = [];
  const lineOf = lineIndex(source);
  const visit = (node: AstNode, ancestors: AstNode[]): void => {
    if (FUNCTION_TYPES.has(node.type)) {
      const target = wrapTarget(node, ancestors, source, lineOf);
      if (target !== undefined) targets.push(target);
    }
    const fields = keys[node.type];
    if (fields === undefined) return;
    ancestors.push(node);
    for (const field of fields) {
      const child = node[field];
      if (Array.isArray(child)) {
        for (const item of child) if (isNode(item)) visit(item, ancestors);
      } else if (isNode(child)) visit(child, ancestors);
    }
    ancestors.pop();
  };
  visit(program, []);
  return targets;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).type === 'string';
}

function wrapTarget(
  node: AstNode,
  ancestors: AstNode[],
  source: string,
  lineOf: (offset: number) => number,
): WrapTarget | undefined {
  const body = node.body as AstNode | null | undefined;
  if (!isNode(body) || node.generator === true) return undefined;
  const parent = ancestors[ancestors.length - 1];
  if (parent !== undefined && isAccessorOrConstructor(parent, node)) return undefined;
  const inferred = inferName(node, ancestors);
  const block = body.type === 'BlockStatement' || body.type === 'FunctionBody';
  if (!block && inferred === undefined) return undefined;
  if (redeclaresParameter(node, body)) return undefined;
  const name = inferred ?? `<anonymous>@${lineOf(node.start)}`;
  if (!block) return { name, async: node.async === true, block, open: body.start, close: body.end };
  const statements = (body.body as AstNode[] | undefined) ?? [];
  let open = body.start + 1;
  for (const statement of statements) {
    if (typeof statement.directive !== 'string') break;
    open = statement.end;
  }
  // The closing `}` is the body's last character (a comment cannot follow it inside the body).
  if (source.charCodeAt(body.end - 1) !== 0x7d) return undefined;
  return { name, async: node.async === true, block, open, close: body.end - 1 };
}

function isAccessorOrConstructor(parent: AstNode, node: AstNode): boolean {
  if (parent.value !== node) return false;
  const kind = parent.kind;
  if (parent.type === 'MethodDefinition' || parent.type === 'TSAbstractMethodDefinition') {
    return kind === 'get' || kind === 'set' || kind === 'constructor';
  }
  return parent.type === 'Property' && (kind === 'get' || kind === 'set');
}

/** The name a reader would give the function, or undefined when it has none. */
function inferName(node: AstNode, ancestors: AstNode[]): string | undefined {
  const own = identifierName(node.id);
  if (own !== undefined) return own;
  const parent = ancestors[ancestors.length - 1];
  if (parent === undefined) return undefined;
  switch (parent.type) {
    case 'VariableDeclarator':
      return parent.init === node ? identifierName(parent.id) : undefined;
    case 'AssignmentExpression':
      return parent.right === node ? targetName(parent.left) : undefined;
    case 'AssignmentPattern':
      return parent.right === node ? identifierName(parent.left) : undefined;
    case 'ExportDefaultDeclaration':
      return 'default';
    case 'Property': {
      if (parent.value !== node) return undefined;
      const key = keyName(parent);
      if (key === undefined) return undefined;
      const owner = objectName(ancestors[ancestors.length - 2], ancestors[ancestors.length - 3]);
      return owner === undefined ? key : `${owner}.${key}`;
    }
    case 'MethodDefinition':
    case 'PropertyDefinition': {
      if (parent.value !== node) return undefined;
      const key = keyName(parent);
      if (key === undefined) return undefined;
      const owner = className(ancestors[ancestors.length - 3], ancestors[ancestors.length - 4]);
      return `${owner}.${key}`;
    }
    default:
      return undefined;
  }
}

function identifierName(node: unknown): string | undefined {
  if (!isNode(node) || node.type !== 'Identifier') return undefined;
  return typeof node.name === 'string' ? node.name : undefined;
}

/** `handler` for `exports.handler = …`, `Repo.load` for `Repo.prototype.load = …`. */
function targetName(node: unknown): string | undefined {
  const direct = identifierName(node);
  if (direct !== undefined) return direct;
  if (!isNode(node) || node.type !== 'MemberExpression' || node.computed === true) return undefined;
  const property = identifierName(node.property);
  if (property === undefined) return undefined;
  const object = node.object as AstNode;
  if (object.type === 'MemberExpression' && identifierName(object.property) === 'prototype') {
    const owner = identifierName(object.object);
    if (owner !== undefined) return `${owner}.${property}`;
  }
  return property;
}

function keyName(member: AstNode): string | undefined {
  if (member.computed === true) return undefined;
  const key = member.key as AstNode;
  if (key.type === 'Identifier') return key.name as string;
  if (key.type === 'PrivateIdentifier') return `#${key.name as string}`;
  if (key.type === 'Literal' && ['string', 'number'].includes(typeof key.value)) {
    return String(key.value);
  }
  return undefined;
}

/** `routes` for the object literal in `const routes = { … }`. */
function objectName(object: AstNode | undefined, holder: AstNode | undefined): string | undefined {
  if (object?.type !== 'ObjectExpression' || holder === undefined) return undefined;
  if (holder.type === 'VariableDeclarator' && holder.init === object) {
    return identifierName(holder.id);
  }
  if (holder.type === 'AssignmentExpression' && holder.right === object) {
    return targetName(holder.left);
  }
  return undefined;
}

function className(cls: AstNode | undefined, holder: AstNode | undefined): string {
  const own = identifierName(cls?.id);
  if (own !== undefined) return own;
  if (holder?.type === 'VariableDeclarator' && holder.init === cls) {
    return identifierName(holder.id) ?? 'class';
  }
  return 'class';
}

/**
 * True when the body declares with `var` (at any depth outside nested functions) a name that is
 * also a parameter or `arguments`: `function f(opts) { var opts = opts || {}; }`. Inside the
 * wrapper's closure that `var` would be a new, undefined binding.
 */
function redeclaresParameter(fn: AstNode, body: AstNode): boolean {
  const params = new Set<string>(['arguments']);
  for (const param of (fn.params as AstNode[] | undefined) ?? []) collectBindings(param, params);
  let found = false;
  const visit = (node: AstNode): void => {
    if (found || FUNCTION_TYPES.has(node.type) || node.type.startsWith('Class')) return;
    if (node.type === 'VariableDeclaration' && node.kind === 'var') {
      for (const declarator of node.declarations as AstNode[]) {
        const names = new Set<string>();
        collectBindings(declarator.id as AstNode, names);
        for (const name of names) if (params.has(name)) found = true;
      }
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) visit(item);
      } else if (isNode(value)) visit(value);
    }
  };
  if (body.type === 'BlockStatement' || body.type === 'FunctionBody') visit(body);
  return found;
}

function collectBindings(pattern: AstNode | null | undefined, names: Set<string>): void {
  if (!isNode(pattern)) return;
  switch (pattern.type) {
    case 'Identifier':
      names.add(pattern.name as string);
      return;
    case 'AssignmentPattern':
      collectBindings(pattern.left as AstNode, names);
      return;
    case 'RestElement':
      collectBindings(pattern.argument as AstNode, names);
      return;
    case 'ArrayPattern':
      for (const element of pattern.elements as (AstNode | null)[]) collectBindings(element, names);
      return;
    case 'ObjectPattern':
      for (const property of pattern.properties as AstNode[]) {
        collectBindings(
          (property.type === 'RestElement' ? property.argument : property.value) as AstNode,
          names,
        );
      }
      return;
    case 'TSParameterProperty':
      collectBindings(pattern.parameter as AstNode, names);
      return;
    default:
  }
}

/** A function from an offset to its 1-based line; the line table is built on first use. */
function lineIndex(source: string): (offset: number) => number {
  let starts: number[] | undefined;
  return (offset) => {
    if (starts === undefined) {
      starts = [0];
      for (let i = 0; i < source.length; i++) {
        const code = source.charCodeAt(i);
        if (code === 0x0a || (code === 0x0d && source.charCodeAt(i + 1) !== 0x0a)) {
          starts.push(i + 1);
        }
      }
    }
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}

import type { Attributes, AttributeValue, SpanRecord } from '@ferret/profiler';
import { formatCount, formatDuration } from './formatNumbers.js';
import type { Palette } from './Palette.js';
import type { SpanNode, TraceTree } from './readerTypes.js';
import { ELLIPSIS, terminalText } from './terminalText.js';

/**
 * Share of the trace's duration at or above which a span's duration is printed red (the span
 * holds most of the trace), and yellow (a noticeable part of it). Relative to the root so the
 * colours mean the same for a 2 ms and a 2 s trace.
 */
export const TREE_HOT_SHARE = 0.5;
export const TREE_WARM_SHARE = 0.2;

/** Spans printed per trace before the rest are summarised in one line. */
export const TREE_MAX_SPANS = 200;

/** Longest attribute key, and value (as JSON), printed before it is cut with an ellipsis. */
const MAX_ATTRIBUTE_CHARS = 60;
/** Longest span name printed in a tree line. */
export const TREE_NAME_CHARS = 120;
/** Longest error text (type and message) printed in a tree line. */
const MAX_ERROR_CHARS = 200;
/** Longest trace id, service name printed in a trace's header (a W3C trace id is 32). */
const MAX_ID_CHARS = 64;

/** Attributes rendered on the error line rather than with the others. */
const ERROR_KEYS = new Set(['error.message', 'error.type']);

/** Keys and values come from the database: escaped (JSON leaves C1 and bidi controls) and cut. */
function attributesText(attributes: Attributes): string {
  return Object.entries(attributes)
    .filter(([key]) => !ERROR_KEYS.has(key))
    .map(
      ([key, value]: [string, AttributeValue]) =>
        `${terminalText(key, MAX_ATTRIBUTE_CHARS)}=${terminalText(JSON.stringify(value), MAX_ATTRIBUTE_CHARS)}`,
    )
    .join(' ');
}

function errorText(span: SpanRecord): string {
  const type = span.attributes['error.type'];
  const message = span.attributes['error.message'];
  const parts = [type, message].filter((part) => part !== undefined).map(String);
  // Messages can span lines; the tree keeps one line per span (other line breaks are escaped).
  // Only a prefix is looked at, so a huge message costs no more than a short one.
  const text = parts.join(': ');
  const head = text.length > 4 * MAX_ERROR_CHARS ? text.slice(0, 4 * MAX_ERROR_CHARS) : text;
  const oneLine = head.replace(/\s*\n\s*/g, ' ');
  return terminalText(head === text ? oneLine : `${oneLine}${ELLIPSIS}`, MAX_ERROR_CHARS);
}

function offsetText(deltaMs: number): string {
  return `${deltaMs < 0 ? '-' : '+'}${formatDuration(Math.abs(deltaMs))}`;
}

function durationStyle(share: number): 'red' | 'yellow' | 'green' {
  if (share >= TREE_HOT_SHARE) return 'red';
  if (share >= TREE_WARM_SHARE) return 'yellow';
  return 'green';
}

/**
 * One trace as an indented tree, one line per span:
 * `name  duration  +offset  attributes  ✗ error`, under a header line
 * `trace <id>  <duration>  <n> spans  [weight ×w]`. Durations are coloured by their share of the
 * trace (see {@link TREE_HOT_SHARE}); offsets are from the root's start, so overlapping
 * (concurrent) children are visible as equal or interleaved offsets.
 */
export function renderTraceTree(
  tree: TraceTree,
  palette: Palette,
  maxSpans: number = TREE_MAX_SPANS,
): string[] {
  const root = tree.root.span;
  const base = root.startTime;
  const traceMs = tree.durationMs > 0 ? tree.durationMs : root.duration;
  const lines: string[] = [];
  const header = [
    `trace ${terminalText(tree.traceId, MAX_ID_CHARS)}`,
    formatDuration(tree.durationMs),
    `${formatCount(tree.spanCount)} span${tree.spanCount === 1 ? '' : 's'}`,
  ];
  if (root.weight > 1) header.push(`weight ×${+root.weight.toFixed(2)}`);
  if (root.threadId !== 0) header.push(`thread ${root.threadId}`);
  if (root.serviceName !== undefined) {
    header.push(`service ${terminalText(root.serviceName, MAX_ID_CHARS)}`);
  }
  lines.push(palette.style('bold', header.join('  ')));

  let printed = 0;
  let omitted = 0;
  const visit = (node: SpanNode, prefix: string, connector: string, isRoot: boolean): void => {
    if (printed >= maxSpans) {
      omitted += 1;
      for (const child of node.children) visit(child, prefix, connector, false);
      return;
    }
    printed += 1;
    const span = node.span;
    const share = traceMs > 0 ? span.duration / traceMs : 0;
    const parts = [
      terminalText(span.name, TREE_NAME_CHARS),
      palette.style(durationStyle(share), formatDuration(span.duration)),
    ];
    if (!isRoot) parts.push(palette.style('dim', offsetText(span.startTime - base)));
    const attributes = attributesText(span.attributes);
    if (attributes !== '') parts.push(palette.style('cyan', attributes));
    if (span.status === 'error') {
      const detail = errorText(span);
      parts.push(palette.style('red', detail === '' ? '✗ error' : `✗ ${detail}`));
    }
    if (span.truncatedChildren !== undefined && span.truncatedChildren > 0) {
      parts.push(
        palette.style(
          'yellow',
          `(+${formatCount(span.truncatedChildren)} not recorded: trace cap)`,
        ),
      );
    }
    lines.push(`${prefix}${connector}${parts.join('  ')}`);
    const childPrefix = isRoot ? prefix : prefix + (connector === '└─ ' ? '   ' : '│  ');
    node.children.forEach((child, i) => {
      visit(child, childPrefix, i === node.children.length - 1 ? '└─ ' : '├─ ', false);
    });
  };
  visit(tree.root, '', '', true);
  if (omitted > 0) {
    lines.push(palette.style('dim', `… ${formatCount(omitted)} more spans not shown`));
  }
  return lines;
}

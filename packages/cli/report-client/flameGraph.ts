import flamegraph, { type FlameNode, tooltip } from 'd3-flame-graph';
import { select } from 'd3-selection';
import { formatCalls, formatDuration } from '../src/formatNumbers.js';
import type { ReportFrame } from '../src/report/ReportData.js';
import { el } from './dom.js';

/** A frame as d3-flame-graph takes it: `value` is the frame's own (self) time. */
interface FlameDatum {
  name: string;
  value: number;
  calls: number;
  callsExact: boolean;
  recorded: number;
  totalMs: number;
  selfMs: number;
  errors: number;
  children: FlameDatum[];
}

/** Expands the compact frames of the page data (iteratively: deep trees are fine). */
export function toFlameData(root: ReportFrame, names: readonly string[]): FlameDatum {
  const convert = (frame: ReportFrame): FlameDatum => ({
    name: names[frame[0]] ?? '?',
    value: frame[4],
    calls: frame[1],
    callsExact: frame[1] === frame[2],
    recorded: frame[2],
    totalMs: frame[3],
    selfMs: frame[4],
    errors: frame[5],
    children: [],
  });
  const out = convert(root);
  const stack: [ReportFrame, FlameDatum][] = [[root, out]];
  while (stack.length > 0) {
    const [frame, datum] = stack.pop()!;
    for (const child of frame[6]) {
      const converted = convert(child);
      datum.children.push(converted);
      stack.push([child, converted]);
    }
  }
  return out;
}

/** The hover text of a frame: calls, self and total time (weight-scaled), share of the run. */
export function frameLabel(node: FlameNode<FlameDatum>, runTotalMs: number): string {
  const d = node.data;
  const share =
    runTotalMs > 0 ? ` · ${((100 * d.totalMs) / runTotalMs).toFixed(1)}% of the run` : '';
  return (
    `${d.name} — calls ${formatCalls(d.calls, d.callsExact)} · self ${formatDuration(d.selfMs)}` +
    ` · total ${formatDuration(d.totalMs)}${share} · ${d.recorded} spans` +
    (d.errors > 0 ? ` · ${d.errors} errors` : '')
  );
}

/** Draws the whole-run flame graph (or icicle) into `container`; click a frame to zoom. */
export function renderFlameGraph(container: HTMLElement, root: FlameDatum): void {
  const chartElement = el('div', { className: 'flame' });
  chartElement.id = 'flame-graph';
  const reset = el('button', { text: 'reset zoom' });
  const invert = el('label', { text: ' icicle (roots on top)' });
  const checkbox = el('input');
  checkbox.type = 'checkbox';
  invert.prepend(checkbox);
  const details = el('p', {
    className: 'frame-details',
    text: 'Hover a frame for its numbers; click it to zoom.',
  });
  details.id = 'frame-details';
  container.append(el('div', { className: 'controls' }, [reset, invert]), chartElement, details);

  const runTotalMs = root.totalMs;
  const tip = tooltip
    .defaultFlamegraphTooltip<FlameDatum>()
    .text((node) => frameLabel(node, runTotalMs));
  let inverted = false;
  const draw = (): void => {
    chartElement.replaceChildren();
    const chart = flamegraph<FlameDatum>()
      .width(Math.max(chartElement.clientWidth, 600))
      .cellHeight(20)
      .minFrameSize(1)
      .transitionDuration(250)
      .selfValue(true)
      .sort(true)
      .inverted(inverted)
      .label((node) => frameLabel(node, runTotalMs))
      .tooltip(tip)
      .onClick((node) => {
        details.textContent = `zoomed to: ${frameLabel(node, runTotalMs)}`;
      });
    select(chartElement).datum(root).call(chart);
    reset.onclick = () => {
      chart.resetZoom();
      details.textContent = 'Hover a frame for its numbers; click it to zoom.';
    };
  };
  checkbox.addEventListener('change', () => {
    inverted = checkbox.checked;
    draw();
  });
  draw();
}

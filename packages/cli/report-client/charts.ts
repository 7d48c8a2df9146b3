import uPlot from 'uplot';
import { formatCount, formatDuration } from '../src/formatNumbers.js';
import type { ReportData } from '../src/report/ReportData.js';
import { el } from './dom.js';

const COLORS = { calls: '#4c78a8', recorded: '#54a24b', dropped: '#e45756', stored: '#b279a2' };

function chartWidth(container: HTMLElement): number {
  return Math.max(container.clientWidth - 20, 500);
}

/** Calls vs recorded vs dropped root calls (count records) and stored spans, per bucket. */
export function renderTimeline(container: HTMLElement, timeline: ReportData['timeline']): void {
  const holder = el('div', { className: 'chart' });
  holder.id = 'timeline-chart';
  container.append(holder);
  const perSecond = timeline.bucketMs / 1000;
  const unit = perSecond === 1 ? 'per second' : `per ${perSecond} s`;
  const series: uPlot.Series[] = [{}];
  const data: number[][] = [timeline.time];
  const add = (label: string, values: number[], stroke: string, fill?: string) => {
    series.push({
      label,
      stroke,
      width: 2,
      // A bucket's value holds for its whole width.
      paths: uPlot.paths.stepped?.({ align: 1 }),
      ...(fill === undefined ? {} : { fill }),
      value: (_u, v) => (v === null ? '-' : formatCount(v)),
    });
    data.push(values);
  };
  if (timeline.hasCounts) {
    add(`calls ${unit}`, timeline.calls, COLORS.calls);
    add(`recorded roots ${unit}`, timeline.recorded, COLORS.recorded, 'rgba(84,162,75,0.15)');
    add(`dropped roots ${unit}`, timeline.dropped, COLORS.dropped, 'rgba(228,87,86,0.12)');
  }
  add(`stored spans ${unit}`, timeline.stored, COLORS.stored);
  new uPlot(
    {
      width: chartWidth(container),
      height: 260,
      series,
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => formatCount(t)), size: 60 }],
    },
    data as uPlot.AlignedData,
    holder,
  );
}

/** A histogram of one name's durations, chosen from a list, as bars over logarithmic buckets. */
export function renderLatency(container: HTMLElement, latency: ReportData['latency']): void {
  const picker = el('select');
  picker.id = 'latency-name';
  latency.forEach((histogram, index) => {
    const option = el('option', { text: histogram.name });
    option.value = String(index);
    picker.append(option);
  });
  const holder = el('div', { className: 'chart' });
  holder.id = 'latency-chart';
  container.append(el('label', { text: 'name: ' }, [picker]), holder);
  let plot: uPlot | undefined;
  const draw = () => {
    const histogram = latency[Number(picker.value)];
    if (histogram === undefined) return;
    plot?.destroy();
    const x = histogram.counts.map((_, i) => i);
    const edge = (i: number) => histogram.lowerMs[i] ?? histogram.upperMs;
    plot = new uPlot(
      {
        width: chartWidth(container),
        height: 240,
        scales: { x: { time: false } },
        series: [
          {
            value: (_u, i) =>
              i === null ? '-' : `${formatDuration(edge(i))} – ${formatDuration(edge(i + 1))}`,
          },
          {
            label: 'stored spans',
            stroke: COLORS.calls,
            fill: 'rgba(76,120,168,0.5)',
            paths: uPlot.paths.bars?.({ size: [0.9, 60] }),
            value: (_u, v) => (v === null ? '-' : formatCount(v)),
          },
        ],
        axes: [
          {
            values: (_u, ticks) =>
              ticks.map((t) => (Number.isInteger(t) ? formatDuration(edge(t)) : '')),
            size: 40,
          },
          { values: (_u, ticks) => ticks.map((t) => formatCount(t)), size: 60 },
        ],
      },
      [x, histogram.counts],
      holder,
    );
  };
  picker.addEventListener('change', draw);
  draw();
}

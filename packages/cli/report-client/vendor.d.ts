// The few members of the untyped browser libraries the page uses.

declare module 'd3-selection' {
  export interface Selection {
    datum(data: unknown): Selection;
    call(fn: (selection: Selection) => void): Selection;
  }
  export function select(target: Element | string): Selection;
}

declare module 'd3-flame-graph' {
  import type { Selection } from 'd3-selection';

  export interface FlameNode<T> {
    data: T;
    value: number;
    depth: number;
    x0: number;
    x1: number;
  }
  export interface FlameTooltip<T> {
    text(fn: (node: FlameNode<T>) => string): FlameTooltip<T>;
  }
  export interface FlameGraph<T> {
    (selection: Selection): void;
    width(value: number): FlameGraph<T>;
    cellHeight(value: number): FlameGraph<T>;
    minFrameSize(value: number): FlameGraph<T>;
    transitionDuration(value: number): FlameGraph<T>;
    inverted(value: boolean): FlameGraph<T>;
    selfValue(value: boolean): FlameGraph<T>;
    sort(value: boolean): FlameGraph<T>;
    title(value: string): FlameGraph<T>;
    label(fn: (node: FlameNode<T>) => string): FlameGraph<T>;
    tooltip(tip: FlameTooltip<T>): FlameGraph<T>;
    setColorMapper(fn: (node: FlameNode<T>, original: string) => string): FlameGraph<T>;
    onClick(fn: (node: FlameNode<T>) => void): FlameGraph<T>;
    resetZoom(): void;
    update(data?: T): void;
  }
  export default function flamegraph<T>(): FlameGraph<T>;
  export const tooltip: { defaultFlamegraphTooltip<T>(): FlameTooltip<T> };
}

declare module '*.css';

import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpanRecord } from '@ferret/profiler';
import { type NameSummary, openSpanReader } from '@ferret/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { type Started, startFerretRun } from './helpers/ferretRun.js';

const FERRET = fileURLToPath(new URL('../../cli/bin/ferret.js', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/app.cjs', import.meta.url));
const STALL_APP = fileURLToPath(new URL('./fixtures/stall-app.cjs', import.meta.url));
const BUDGET = 40;

let dir = '';
afterEach(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function startRun(db: string, options: { app?: string; args?: string[] } = {}): Promise<Started> {
  return startFerretRun(db, { app: options.app ?? APP, budget: BUDGET, args: options.args ?? [] });
}

/** A bounded load loop: `requests` GETs, 4 at a time, to 127.0.0.1. */
async function load(port: number, requests: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next++;
      const response = await fetch(`http://127.0.0.1:${port}/orders/${next}`);
      expect(response.status).toBe(200);
      await response.text();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/**
 * What a wrong estimate needs to be understood: per-name calls, every stored root and each
 * trace's spans (name, parent, start offset, weight). Keeps a copy of the database.
 */
function estimateDiagnostics(db: string, summary: NameSummary[], spans: SpanRecord[]): string {
  const kept = join(tmpdir(), `ferret-run-e2e-${Date.now()}.db`);
  copyFileSync(db, kept);
  const lines = [`database kept at ${kept}`];
  for (const n of summary) {
    lines.push(`${n.name}: calls ${n.calls} (exact ${n.callsExact}), recorded ${n.recorded}`);
  }
  const byTrace = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId);
    if (list === undefined) byTrace.set(span.traceId, [span]);
    else list.push(span);
  }
  for (const [traceId, list] of byTrace) {
    const root = list.find((span) => span.parentSpanId === undefined);
    lines.push(
      `trace ${traceId.slice(0, 8)} root ${root?.name} weight ${root?.weight} sampled_name ${String(root?.attributes['ferret.sampled_name'])}`,
    );
    for (const span of list) {
      const offset = root === undefined ? span.startTime : span.startTime - root.startTime;
      lines.push(
        `  ${span.spanId.slice(0, 6)} <- ${(span.parentSpanId ?? '-').slice(0, 6)} ${span.name} +${offset.toFixed(3)} ms ${span.duration.toFixed(3)} ms w ${span.weight}`,
      );
    }
  }
  return lines.join('\n');
}

describe('ferret run', () => {
  it('records whole traces (route, measure() blocks, outgoing fetch) under one budget; SIGINT closes cleanly', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-run-'));
    const db = join(dir, 'ferret.db');
    const run = await startRun(db);
    const started = performance.now();
    await load(run.port, 300);
    const seconds = (performance.now() - started) / 1000;
    run.child.kill('SIGINT');
    const code = await run.exited;
    // The app re-raised SIGINT after draining: the shell convention 128 + 2.
    expect(code).toBe(130);
    // The analyze summary of the run follows the command's output.
    expect(run.output()).toContain('load order');

    const reader = openSpanReader(db);
    try {
      const [info] = reader.runs();
      expect(info!.metadata).toMatchObject({ complete: true, exitSignal: 'SIGINT' });
      expect(info!.metadata!.pids).toEqual([run.appPid]);
      // Every request is a root call, counted exactly (sampled or not).
      expect(info!.callsExact).toBe(true);
      expect(info!.rootCalls).toBe(300);
      const spans = [...reader.spans({ runId: info!.runId })];
      // Budget held: the span rate never exceeds budget × time + burst (+ one trace in flight).
      expect(spans.length).toBeLessThanOrEqual(BUDGET * (seconds + 2) + BUDGET + 10);
      const byId = new Map(spans.map((span) => [span.spanId, span]));
      const parentOf = (span: SpanRecord) =>
        span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
      const loads = spans.filter((span) => span.name === 'load order');
      expect(loads.length).toBeGreaterThan(0);
      let whole = 0;
      for (const loadSpan of loads) {
        const ancestors: string[] = [];
        for (let p = parentOf(loadSpan); p !== undefined; p = parentOf(p)) ancestors.push(p.name);
        const fetchSpan = spans.find(
          (span) => span.parentSpanId === loadSpan.spanId && span.name === 'GET',
        );
        const backend = fetchSpan && spans.find((s) => s.parentSpanId === fetchSpan.spanId);
        const render = spans.find(
          (span) => span.name === 'render' && span.traceId === loadSpan.traceId,
        );
        if (
          ancestors.includes('GET /orders/:id') &&
          fetchSpan !== undefined &&
          backend !== undefined &&
          render !== undefined &&
          [fetchSpan, backend, render].every((span) => span.traceId === loadSpan.traceId)
        ) {
          whole++;
        }
      }
      expect(whole).toBe(loads.length);
      // Every span of a trace carries its root's weight: the measure() blocks nested in the
      // route's span, the fetch span under a block, and the backend's server span under a
      // remote parent (the weight travelled in the tracestate header).
      const rootWeight = new Map(
        spans.filter((span) => span.parentSpanId === undefined).map((s) => [s.traceId, s.weight]),
      );
      for (const span of spans) {
        expect(span.weight, span.name).toBeCloseTo(rootWeight.get(span.traceId)!, 4);
      }
      expect([...rootWeight.values()].some((weight) => weight > 1)).toBe(true);
      // So the blocks' calls are estimated right: one 'load order' and one 'render' per request.
      const summary = reader.summary({ runId: info!.runId });
      const calls = new Map(summary.map((n) => [n.name, n.calls]));
      const off = ['load order', 'render'].some((name) => Math.abs(calls.get(name)! - 300) > 30);
      const why = off ? estimateDiagnostics(db, summary, spans) : '';
      for (const name of ['load order', 'render']) {
        expect(Math.abs(calls.get(name)! - 300), `${name}\n${why}`).toBeLessThanOrEqual(30);
      }
    } finally {
      reader.close();
    }
  }, 120_000);

  it('marks a run whose app was killed (SIGKILL) incomplete; committed batches stay readable', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-run-'));
    const db = join(dir, 'ferret.db');
    const run = await startRun(db);
    await load(run.port, 60);
    // Wait past the flush interval so at least one batch is committed.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    process.kill(run.appPid, 'SIGKILL');
    expect(await run.exited).toBe(137);
    const reader = openSpanReader(db);
    try {
      const [info] = reader.runs();
      expect(info!.metadata).toMatchObject({ complete: false, exitSignal: 'SIGKILL' });
      expect(info!.spanCount).toBeGreaterThan(0);
      expect([...reader.spans({ runId: info!.runId })]).toHaveLength(info!.spanCount);
    } finally {
      reader.close();
    }
  }, 120_000);

  it('--stall: a handler that blocks the loop gives one ferret.stall span naming its span; analyze lists it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferret-run-'));
    const db = join(dir, 'ferret.db');
    const run = await startRun(db, { app: STALL_APP, args: ['--stall', '100', '--libs', 'http'] });
    // The first request pays for loading and compiling the request path (a stall of its own on a
    // loaded machine, with no span current yet); served first, it cannot run into the block.
    for (let i = 0; i < 2; i++) await (await fetch(`http://127.0.0.1:${run.port}/`)).text();
    const reported = async () =>
      Number(await (await fetch(`http://127.0.0.1:${run.port}/stalls`)).text());
    const before = await reported();
    expect((await fetch(`http://127.0.0.1:${run.port}/block`)).status).toBe(200);
    for (let i = 0; i < 5; i++) await (await fetch(`http://127.0.0.1:${run.port}/`)).text();
    // The watcher reports a stall once it has the stack (or gave up on it, after at most 1 s);
    // a report arriving after close() is ignored, so the test waits for the block's report (the
    // count grows past what it was before the block) before the SIGINT.
    for (let waited = 0; (await reported()) <= before && waited < 10_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    const reader = openSpanReader(db);
    try {
      const spans = [...reader.spans()];
      const handler = spans.find((span) => span.name === 'block handler')!;
      expect(handler).toBeDefined();
      // Stalls outside any span (module loading at start-up on a slow machine) may come too;
      // exactly one names the handler, with its ids.
      const named = spans.filter(
        (span) =>
          span.name === 'ferret.stall' &&
          span.attributes['ferret.stall.span.name'] === 'block handler',
      );
      const stalls = spans.filter((span) => span.name === 'ferret.stall');
      expect(
        named,
        JSON.stringify(stalls.map((span) => [span.duration, span.attributes])),
      ).toHaveLength(1);
      expect(named[0]!.attributes).toMatchObject({
        'ferret.stall.span.trace_id': handler.traceId,
        'ferret.stall.span.span_id': handler.spanId,
      });
      expect(named[0]!.duration).toBeGreaterThanOrEqual(500);
      expect(reader.stalls()).toContainEqual(
        expect.objectContaining({ spanName: 'block handler', count: 1 }),
      );
    } finally {
      reader.close();
    }
    // The summary ferret run prints lists the stall.
    const output = run.output();
    const stallTable = output.slice(output.indexOf('Event loop stalled'));
    expect(stallTable).toMatch(/^block handler\s+1\s+\d/m);
  }, 120_000);

  it('usage error without a command; 127 for a command that is not found', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, [FERRET, 'run', ...args], { stdio: 'pipe' });
        let err = '';
        child.stderr.on('data', (chunk) => {
          err += chunk;
        });
        child.on('exit', (code) => resolve({ code, err }));
      });
    dir = mkdtempSync(join(tmpdir(), 'ferret-run-'));
    const none = await run(['--db', join(dir, 'a.db')]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^ferret: .*command/);
    const missing = await run(['--db', join(dir, 'a.db'), '--', 'no-such-command-ferret']);
    expect(missing.code).toBe(127);
    expect(missing.err).toBe('ferret: no-such-command-ferret: command not found\n');
  }, 60_000);
});

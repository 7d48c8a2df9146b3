/**
 * The preload: `node --import @ferret/run/register app.js` (or `ferret run -- node app.js`, which
 * injects it through `NODE_OPTIONS` so child Node processes are covered too). Starts one profiler
 * writing to `FERRET_DB` and the library instrumentations, under one budget. Worker threads
 * (Ferret's own writer and stall threads among them) inherit the preload: there it loads nothing
 * beyond `node:worker_threads` and returns, so a thread starts as fast as without Ferret.
 *
 * This is the ES-module entry (the awaited import finishes before the app's first module runs);
 * the CommonJS build is made from `registerRequire.ts`.
 * @module
 */
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const { startRun } = await import('./globalRun.js');
  startRun();
}

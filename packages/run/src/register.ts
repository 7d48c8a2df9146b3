/**
 * The preload: `node --import @ferret/run/register app.js` (or `ferret run -- node app.js`, which
 * injects it through `NODE_OPTIONS` so child Node processes are covered too). Starts one profiler
 * writing to `FERRET_DB` and the library instrumentations, under one budget. Worker threads
 * (Ferret's own writer thread among them) inherit the preload and are left alone.
 * @module
 */
import { isMainThread } from 'node:worker_threads';
import { startRun } from './globalRun.js';

if (isMainThread) startRun();

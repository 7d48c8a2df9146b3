/**
 * The CommonJS build of `@ferret/run/register` (`node --require @ferret/run/register`): the same
 * as `register.ts`, with a `require` in place of the awaited import, which CommonJS cannot have.
 * The bundler turns the required module into a function run only here, so a worker thread
 * evaluates nothing beyond `node:worker_threads`.
 * @module
 */
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  (require('./globalRun.js') as typeof import('./globalRun.js')).startRun();
}

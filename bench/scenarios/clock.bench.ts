// The floors every other scenario is judged against: what a clock read and a bare
// AsyncLocalStorage.run cost on this machine, in this run.
import { AsyncLocalStorage } from 'node:async_hooks';
import { scenario } from '../harness.js';

await scenario('Floors: clock read and AsyncLocalStorage', (report) => {
  const als = new AsyncLocalStorage<number>();
  const noop = () => 0;
  report.timeSync({
    'anchor:performance.now()': () => performance.now(),
    'anchor:AsyncLocalStorage.run(store, noop)': () => als.run(1, noop),
    'anchor:Date.now()': () => Date.now(),
  });
});

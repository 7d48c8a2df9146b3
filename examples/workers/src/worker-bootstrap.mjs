// Worker threads do not inherit the `--import tsx` hook on Node 20, so each worker registers
// tsx itself before loading the TypeScript worker. (A built app would point the Worker at .js.)
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');

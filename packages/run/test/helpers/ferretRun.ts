import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FERRET = fileURLToPath(new URL('../../../cli/bin/ferret.js', import.meta.url));

/** A `ferret run` whose app printed `READY <port> <pid>`. */
export interface Started {
  child: ChildProcess;
  port: number;
  appPid: number;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts `ferret run --db <db> --budget <budget> [args] -- node <app>` and resolves once the app
 * printed `READY <port> <pid>` (rejects after 60 s with what it printed).
 */
export function startFerretRun(
  db: string,
  options: { app: string; budget: number; args?: string[]; env?: NodeJS.ProcessEnv },
): Promise<Started> {
  const child = spawn(
    process.execPath,
    [
      FERRET,
      'run',
      '--db',
      db,
      '--budget',
      String(options.budget),
      ...(options.args ?? []),
      '--',
      process.execPath,
      options.app,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start: ${out} ${err}`)), 60_000);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`ferret run exited before the app was ready: ${out} ${err}`));
    });
    child.stdout!.on('data', () => {
      const match = /READY (\d+) (\d+)/.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      resolve({
        child,
        port: Number(match[1]),
        appPid: Number(match[2]),
        output: () => out + err,
        exited,
      });
    });
  });
}

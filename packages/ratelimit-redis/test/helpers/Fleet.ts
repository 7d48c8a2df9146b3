import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const replicaEntry = fileURLToPath(new URL('../fixtures/replica.mjs', import.meta.url));

/** What each replica is told at start (see fixtures/replica.mjs). */
export interface ReplicaConfig {
  url: string;
  key: string;
  rate: number;
  burst: number;
  leaseSize: number;
  leasePeriodMs: number;
  replicas: number;
  skewMs?: number;
}

/** What a replica reports when stopped. */
export interface ReplicaReport {
  recorded: number;
  calls: number;
  stats: {
    mode: string;
    localTokens: number;
    leasedTokens: number;
    returnedTokens: number;
    fallbackTokens: number;
    chargedTokens: number;
    outages: number;
  };
  returnedOnClose: number;
  errors: string[];
  timeline: [number, number, string][];
  firstGrantMs: number | null;
  /** Time from the first grant to 'stop' that the load loop really ran (stalls left out), ms. */
  activeMs: number;
  fellBackMs: number | null;
}

type Message = { type: 'ready' } | ({ type: 'done' } & ReplicaReport);

/** One replica: a child process or a worker thread running fixtures/replica.mjs. */
export class Replica {
  readonly #post: (message: unknown) => void;
  readonly #terminate: () => void;
  readonly #messages: Message[] = [];
  #waiting: (() => void) | undefined;
  #exitError: Error | undefined;

  private constructor(
    post: (message: unknown) => void,
    terminate: () => void,
    subscribe: (listener: (message: Message) => void) => void,
    onExit: (listener: (error: Error) => void) => void,
  ) {
    this.#post = post;
    this.#terminate = terminate;
    subscribe((message) => {
      this.#messages.push(message);
      this.#waiting?.();
    });
    onExit((error) => {
      this.#exitError = error;
      this.#waiting?.();
    });
  }

  /** Starts a replica as a child process (`thread: false`) or a worker thread, and waits until it is ready. */
  static async start(config: ReplicaConfig, thread: boolean): Promise<Replica> {
    let replica: Replica;
    if (thread) {
      const worker = new Worker(replicaEntry);
      replica = new Replica(
        (m) => worker.postMessage(m),
        () => void worker.terminate(),
        (listener) => worker.on('message', listener),
        (listener) => worker.on('error', listener),
      );
    } else {
      const child: ChildProcess = fork(replicaEntry, [], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      replica = new Replica(
        (m) => child.send(m as object),
        () => child.kill('SIGKILL'),
        (listener) => child.on('message', (m) => listener(m as Message)),
        (listener) =>
          child.on('exit', (code) => {
            if (code !== 0) listener(new Error(`replica exited with ${code}`));
          }),
      );
    }
    replica.send({ type: 'start', config });
    await replica.#next('ready');
    return replica;
  }

  send(message: { type: string; config?: ReplicaConfig }): void {
    this.#post(message);
  }

  /** Stops the replica's load and its bucket; resolves with its report. */
  async stop(): Promise<ReplicaReport> {
    this.send({ type: 'stop' });
    const { type: _, ...report } = (await this.#next('done')) as { type: 'done' } & ReplicaReport;
    return report;
  }

  /** Kills the replica without a goodbye (cleanup after a failed test). */
  kill(): void {
    this.#terminate();
  }

  async #next(type: Message['type']): Promise<Message> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const index = this.#messages.findIndex((m) => m.type === type);
      if (index >= 0) return this.#messages.splice(index, 1)[0]!;
      if (this.#exitError) throw this.#exitError;
      if (Date.now() > deadline) throw new Error(`replica sent no ${type} within 60 s`);
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
        setTimeout(resolve, 1000).unref();
      });
    }
  }
}

/** Starts `count` replicas and waits until all are ready. */
export function startFleet(
  count: number,
  config: ReplicaConfig,
  thread = false,
): Promise<Replica[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      Replica.start(
        { ...config, skewMs: config.skewMs === undefined ? undefined : config.skewMs * (i - 1.5) },
        thread,
      ),
    ),
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

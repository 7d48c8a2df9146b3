import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromReplica, ReplicaConfig, ReplicaReport, ToReplica } from './ReplicaMessages.js';

const replicaEntry = fileURLToPath(new URL('./replica.ts', import.meta.url));

/**
 * One replica as the main process sees it: a child process running `replica.ts` (forked with
 * this process's `--import tsx`), driven over the IPC channel. Each step resolves when the
 * replica answers and rejects when it fails or exits first.
 */
export class ReplicaProcess {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<FromReplica['type'], (message: FromReplica) => void>();
  readonly #exited: Promise<never>;
  /** The replica's own account of why it gave up, if it did. */
  #failure: string | undefined;
  /** `performance.now()` in this process when the replica said its load loop began. */
  startedAt: number | undefined;

  constructor() {
    this.#child = fork(replicaEntry, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (message: FromReplica) => {
      if (message.type === 'started') this.startedAt = performance.now();
      if (message.type === 'failed') this.#failure = message.message;
      this.#waiting.get(message.type)?.(message);
    });
    this.#exited = new Promise<never>((_, reject) => {
      this.#child.once('error', reject);
      this.#child.once('exit', (code, signal) =>
        reject(
          new Error(
            `replica ${this.pid} exited (${signal ?? `code ${code}`}) early${this.#failure === undefined ? '' : `: ${this.#failure}`}`,
          ),
        ),
      );
    });
    this.#exited.catch(() => {});
  }

  /** The child's process id. */
  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Sends the config; resolves once the replica is connected to Redis and built its profiler. */
  async configure(config: ReplicaConfig): Promise<void> {
    await this.#request({ type: 'config', config }, 'ready');
  }

  /** Starts the load loop (without waiting for the replica to answer). */
  go(): void {
    this.#send({ type: 'go' });
  }

  /** Stops the load loop; resolves with the replica's report once it closed its bucket. */
  async stop(): Promise<ReplicaReport> {
    const { type: _, ...report } = (await this.#request({ type: 'stop' }, 'report')) as {
      type: 'report';
    } & ReplicaReport;
    return report;
  }

  /** Ends the child at once (after a failure elsewhere). */
  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }

  /** e.g. `ReplicaProcess{pid=1234}`. */
  toString(): string {
    return `ReplicaProcess{pid=${this.pid}}`;
  }

  #request(message: ToReplica, answer: FromReplica['type']): Promise<FromReplica> {
    const answered = new Promise<FromReplica>((resolve, reject) => {
      this.#waiting.set(answer, resolve);
      this.#waiting.set('failed', (failure) =>
        reject(new Error(`replica ${this.pid}: ${(failure as { message: string }).message}`)),
      );
    });
    this.#send(message);
    return Promise.race([answered, this.#exited]);
  }

  #send(message: ToReplica): void {
    if (this.#child.connected) this.#child.send(message);
  }
}

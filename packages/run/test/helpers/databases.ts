import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Throwaway database servers for the library tests: each in its own temporary directory, on a
// free 127.0.0.1 port, without durability (fsync off), removed by stop(). Debian's packages
// (scripts/ensure-system-deps.sh installs them). Both servers refuse to run as root: as root,
// PostgreSQL runs as the `postgres` user (runuser) and MariaDB with `--user=root`.

const isRoot = process.getuid?.() === 0;

/**
 * Where a server program is: on PATH, else where Debian puts it off PATH (PostgreSQL's programs
 * live in /usr/lib/postgresql/<major>/bin, mariadbd in /usr/sbin).
 */
function program(name: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    const found = [
      '/usr/sbin',
      ...readdirSafe('/usr/lib/postgresql')
        .sort((a, b) => Number(b) - Number(a))
        .map((major) => `/usr/lib/postgresql/${major}/bin`),
    ]
      .map((dir) => join(dir, name))
      .find((path) => existsSync(path));
    if (found === undefined) {
      throw new Error(`${name} not found: run scripts/ensure-system-deps.sh`);
    }
    return found;
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A PostgreSQL cluster made with initdb and started with pg_ctl (trust auth, user `postgres`). */
export class Postgres {
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<Postgres> {
    const dir = mkdtempSync(join(tmpdir(), 'ferret-pg-'));
    const server = new Postgres(await freePort(), dir);
    try {
      if (isRoot) {
        const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
        const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
        chownSync(dir, uid, gid);
      }
      server.#asOwner('initdb', [
        '-D',
        join(dir, 'data'),
        '-A',
        'trust',
        '-U',
        'postgres',
        '--no-sync',
        '-E',
        'UTF8',
      ]);
      server.#asOwner('pg_ctl', [
        '-D',
        join(dir, 'data'),
        '-l',
        join(dir, 'log'),
        '-o',
        `-p ${server.port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`,
        '-t',
        '30',
        '-w',
        'start',
      ]);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  async stop(): Promise<void> {
    try {
      this.#asOwner('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  #asOwner(name: string, args: string[]): void {
    const path = program(name);
    const [command, fullArgs] = isRoot
      ? ['runuser', ['-u', 'postgres', '--', path, ...args]]
      : [path, args];
    execFileSync(command, fullArgs, { stdio: 'pipe', timeout: 60_000 });
  }
}

/** A MariaDB server (mariadb-install-db, then mariadbd) with grant tables off: any user, no password. */
export class MariaDb {
  readonly #child: ChildProcess;

  private constructor(
    readonly port: number,
    readonly dir: string,
    child: ChildProcess,
  ) {
    this.#child = child;
  }

  /** `mysql://root@127.0.0.1:<port>/mysql` */
  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/mysql`;
  }

  static async start(): Promise<MariaDb> {
    const dir = mkdtempSync(join(tmpdir(), 'ferret-mariadb-'));
    chmodSync(dir, 0o755);
    const port = await freePort();
    const user = isRoot ? ['--user=root'] : [];
    let child: ChildProcess | undefined;
    try {
      execFileSync(
        program('mariadb-install-db'),
        ['--no-defaults', `--datadir=${join(dir, 'data')}`, ...user, '--skip-test-db'],
        { stdio: 'pipe', timeout: 60_000 },
      );
      child = spawn(
        program('mariadbd'),
        [
          '--no-defaults',
          `--datadir=${join(dir, 'data')}`,
          `--socket=${join(dir, 'sock')}`,
          `--pid-file=${join(dir, 'pid')}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          ...user,
          '--skip-grant-tables',
          '--skip-log-bin',
          '--innodb-flush-log-at-trx-commit=0',
          '--innodb-buffer-pool-size=16M',
        ],
        { stdio: 'ignore' },
      );
      const exited = new Promise<never>((_, reject) => {
        child!.once('exit', (code) => reject(new Error(`mariadbd exited with ${code}`)));
        child!.once('error', (error) =>
          reject(new Error(`cannot start mariadbd: ${error.message}`)),
        );
      });
      exited.catch(() => {});
      const deadline = Date.now() + 30_000;
      while (!(await greets(port))) {
        if (child.exitCode !== null) await exited;
        if (Date.now() > deadline)
          throw new Error('mariadbd did not accept connections within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } catch (error) {
      child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new MariaDb(port, dir, child);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** True once the server sends its handshake packet on a new connection. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', () => done(true));
    socket.connect(port, '127.0.0.1');
  });
}

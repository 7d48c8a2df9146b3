/**
 * The stall watchdog's watcher thread. It polls the main thread's heartbeat; when the heartbeat is
 * later than the threshold, it notes the span the main thread published as current and (on the
 * main thread, through the inspector) asks for the JavaScript stack; when the heartbeat comes
 * again, it posts the stall with how long the loop was blocked.
 * @module
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import {
  BEAT,
  CURRENT,
  type FlushedMessage,
  type FlushRequest,
  STOP,
  type StallMessage,
  type StallWorkerData,
  WATCHING,
} from './stallProtocol.js';

/** The parts of `inspector.Session` used here. */
interface InspectorSession {
  connectToMainThread(): void;
  post(method: string, callback?: (error: Error | null, result?: unknown) => void): void;
  on(event: string, listener: (message: { params: unknown }) => void): void;
  disconnect(): void;
}

interface CallFrame {
  functionName: string;
  url?: string;
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
}

const data = workerData as StallWorkerData;
const state = new Int32Array(data.state);
/** Main-thread heartbeat milliseconds, not wrapped. */
const now = (): number => performance.timeOrigin + performance.now() - data.baseEpochMs;

let lastBeat = Atomics.load(state, BEAT);
let stalled = false;
let spanSeq = 0;
let stack: Promise<string[] | undefined> | undefined;
let lastCaptureAt = Number.NEGATIVE_INFINITY;
const session = data.captureStacks ? connect() : undefined;

/** The stack capture in progress: resolved by the `Debugger.paused` listener. */
let capture: { beat: number; resolve: (frames: string[] | undefined) => void } | undefined;
const scripts = new Map<string, string>();

/** A stall that has ended, not posted yet because its stack is still being captured. */
interface Waiting {
  message: StallMessage;
  /** Settles when the stack has been captured (or not) and the stall posted. */
  posted: Promise<void>;
}
const waiting = new Set<Waiting>();

const timer = setInterval(check, data.heartbeatMs);
parentPort!.on('message', (request: FlushRequest) => flush(request));
Atomics.store(state, WATCHING, 1);

function check(): void {
  if (Atomics.load(state, STOP) !== 0) {
    clearInterval(timer);
    session?.disconnect();
    return;
  }
  const beat = Atomics.load(state, BEAT);
  if (!stalled) {
    if (beat !== lastBeat) {
      lastBeat = beat;
      return;
    }
    const late = (((now() | 0) - beat) | 0) - data.heartbeatMs;
    if (late <= data.thresholdMs) return;
    stalled = true;
    spanSeq = Atomics.load(state, CURRENT);
    stack = captureStack(beat);
    return;
  }
  if (beat === lastBeat) return;
  const blockedMs = ((beat - lastBeat) | 0) - data.heartbeatMs;
  const sinceBeat = ((now() | 0) - beat) | 0;
  const resumedEpochMs = data.baseEpochMs + now() - sinceBeat;
  const message: StallMessage = {
    startEpochMs: resumedEpochMs - blockedMs,
    blockedMs,
    spanSeq,
  };
  stalled = false;
  lastBeat = beat;
  const pending = stack;
  stack = undefined;
  if (blockedMs <= data.thresholdMs) return;
  if (pending === undefined) {
    parentPort!.postMessage(message);
    return;
  }
  const entry: Waiting = {
    message,
    posted: pending.then((frames) => {
      // Posted already, without its stack, by a flush that could not wait longer.
      if (!waiting.delete(entry)) return;
      if (frames !== undefined) message.stack = frames;
      parentPort!.postMessage(message);
    }),
  };
  waiting.add(entry);
}

/**
 * Answers a {@link FlushRequest}: a check first (the main thread stored a fresh heartbeat, so a
 * stall that just ended is reported), then the stalls waiting for their stack are posted once it
 * comes or after `waitMs` without it, then the answer. Messages keep their order: the main thread
 * has every stall before the answer.
 */
function flush(request: FlushRequest): void {
  check();
  let answered = false;
  const answer = (): void => {
    if (answered) return;
    answered = true;
    clearTimeout(bound);
    for (const entry of waiting) {
      waiting.delete(entry);
      parentPort!.postMessage(entry.message);
    }
    const flushed: FlushedMessage = { flushed: request.flush };
    parentPort!.postMessage(flushed);
  };
  const bound = setTimeout(answer, request.waitMs);
  void Promise.all([...waiting].map((entry) => entry.posted)).then(answer);
}

/**
 * Pauses the main thread through the inspector and reads its call frames, at most once a second.
 * The frames are kept only when the heartbeat has not moved since the stall was detected (the
 * main thread is still in the stalled task).
 */
function captureStack(beat: number): Promise<string[] | undefined> | undefined {
  if (data.holdStacks === true) return new Promise(() => {});
  if (session === undefined || capture !== undefined) return undefined;
  const at = performance.now();
  if (at - lastCaptureAt < 1000) return undefined;
  lastCaptureAt = at;
  return new Promise((resolve) => {
    const timeout = setTimeout(() => finish(undefined), data.stackTimeoutMs);
    const finish = (frames: string[] | undefined): void => {
      clearTimeout(timeout);
      capture = undefined;
      scripts.clear();
      resolve(frames);
    };
    capture = { beat, resolve: finish };
    session.post('Debugger.enable', (error) => {
      if (error !== null) finish(undefined);
      else session.post('Debugger.pause', (pauseError) => pauseError && finish(undefined));
    });
  });
}

function connect(): InspectorSession | undefined {
  try {
    // Loaded here, not imported: a Node built without the inspector throws on load, and the
    // heartbeat watch must work there too.
    const inspector = createRequire(import.meta.url)('node:inspector') as {
      Session: new () => InspectorSession;
    };
    const created = new inspector.Session();
    created.connectToMainThread();
    created.on('Debugger.scriptParsed', (message) => {
      const params = message.params as { scriptId: string; url: string };
      if (capture !== undefined && scripts.size < 100_000) scripts.set(params.scriptId, params.url);
    });
    // Every pause is resumed at once, whether or not a capture still waits for it: the main
    // thread must never stay paused.
    created.on('Debugger.paused', (message) => {
      const frames = (message.params as { callFrames: CallFrame[] }).callFrames;
      const pending = capture;
      const kept =
        pending !== undefined && Atomics.load(state, BEAT) === pending.beat
          ? frames.slice(0, data.maxStackFrames).map(describeFrame)
          : undefined;
      created.post('Debugger.resume', () => created.post('Debugger.disable'));
      pending?.resolve(kept);
    });
    return created;
  } catch {
    // No inspector in this build of Node, or it refused the session: stalls carry no stack.
    return undefined;
  }
}

function describeFrame(frame: CallFrame): string {
  const url = frame.url || scripts.get(frame.location.scriptId) || '<unknown>';
  const line = frame.location.lineNumber + 1;
  const column = (frame.location.columnNumber ?? 0) + 1;
  return `${frame.functionName || '<anonymous>'} (${url}:${line}:${column})`;
}

// Entry of the writer thread (built as its own file, dist/writer.worker.js). It owns the only
// read-write connection of its SqliteSpanStore, so SQLite's disk work never runs on the host's
// event loop: the model is pino's transports.
import { parentPort, workerData } from 'node:worker_threads';
import { describeError, FerretStoreError } from './FerretStoreError.js';
import { SpanWriter } from './SpanWriter.js';
import {
  type FromWriter,
  HANDLED_SEQ,
  type ToWriter,
  type WriterWorkerData,
} from './writerProtocol.js';

const data = workerData as WriterWorkerData;
const progress = new Int32Array(data.progress);
const port = parentPort!;
const replies = data.replies;

function send(message: FromWriter): void {
  replies.postMessage(message);
}

let writer: SpanWriter | undefined;
let openFailure: string | undefined;
try {
  writer = new SpanWriter(data.path, { busyTimeoutMs: data.busyTimeoutMs });
} catch (error) {
  openFailure = describeError(error);
  send({
    kind: 'open-failed',
    code: error instanceof FerretStoreError ? error.code : 'WRITE_FAILED',
    message: openFailure,
  });
}

port.on('message', (message: ToWriter) => {
  if (message.kind === 'close') {
    writer?.close();
    send({ kind: 'closed' });
    port.close();
    return;
  }
  const records = message.kind === 'spans' ? message.batch.count : message.records.length;
  let reply: FromWriter;
  if (writer === undefined) {
    reply = {
      kind: 'done',
      seq: message.seq,
      records,
      written: 0,
      rejected: 0,
      failure: openFailure,
    };
  } else {
    try {
      const outcome =
        message.kind === 'spans'
          ? writer.writeSpans(message.batch)
          : writer.writeCounts(message.records);
      reply = { kind: 'done', seq: message.seq, records, ...outcome };
    } catch (error) {
      reply = {
        kind: 'done',
        seq: message.seq,
        records,
        written: 0,
        rejected: 0,
        failure: describeError(error),
        failureCode: error instanceof FerretStoreError ? error.code : undefined,
      };
    }
  }
  // Reply first: once the owner sees HANDLED_SEQ move, the reply is already on its port, so
  // `flushSync()` can read it synchronously.
  send(reply);
  Atomics.store(progress, HANDLED_SEQ, message.seq);
  Atomics.notify(progress, HANDLED_SEQ);
});

import { Decoder, Encoder } from '@msgpack/msgpack';
import type { KeyValue } from '../interface.js';
import type { KeySpaceImage, KeyWrite, RevisionWrites } from './mvcc.js';

/** What the write-ahead log records, in order: transactions and compactions. */
export type LogRecord = ({ type: 'txn' } & RevisionWrites) | { type: 'compact'; revision: number };

// MessagePack on disk. Log records:
//   transaction  {txn: revision, writes: [[key, value | nil], ...]}
//   compaction   {compact: revision}
// A snapshot is a run of records, so that it is encoded and written piece by piece
// instead of holding up the event loop and memory all at once:
//   {format, revision, compactRevision}, then {base: [[key, value, create, mod], ...]}...,
//   then {history: [[revision, writes], ...]}..., then {end: true}
type WireWrites = [string, Uint8Array | null][];
interface WireRecord {
  txn?: number;
  writes?: WireWrites;
  compact?: number;
}
interface WireSnapshotPart {
  format?: number;
  revision?: number;
  compactRevision?: number;
  base?: [string, Uint8Array, number, number][];
  history?: [number, WireWrites][];
  end?: true;
}

// One encoder and decoder for the process: `encode()` would build a fresh encoder, with its
// own 2 KiB buffer, for every record (a large share of a small write's cost). Encoding
// copies out of the shared buffer, so records never alias each other.
const encoder = new Encoder();
const decoder = new Decoder();
const encode = (value: unknown): Uint8Array => encoder.encode(value);
const decode = (bytes: Uint8Array): unknown => decoder.decode(bytes);

const snapshotFormat = 1;
/** Values or revisions per snapshot record: small enough to encode in a few milliseconds. */
const snapshotChunk = 1000;

export function encodeTxnRecord(revision: number, writes: KeyWrite[]): Uint8Array {
  return encode({ txn: revision, writes: toWire(writes) } satisfies WireRecord);
}

export function encodeCompactRecord(revision: number): Uint8Array {
  return encode({ compact: revision } satisfies WireRecord);
}

export function decodeLogRecord(payload: Uint8Array): LogRecord {
  const record = decode(payload) as WireRecord;
  if (typeof record.txn === 'number' && Array.isArray(record.writes)) {
    return { type: 'txn', revision: record.txn, writes: fromWire(record.writes) };
  }
  if (typeof record.compact === 'number') return { type: 'compact', revision: record.compact };
  throw new Error('unrecognised log record');
}

/** The snapshot's records, each encoded only when asked for. */
export function* encodeSnapshot(image: KeySpaceImage): Generator<Uint8Array> {
  const header = { format: snapshotFormat, revision: image.revision, compactRevision: image.compactRevision };
  yield encode(header satisfies WireSnapshotPart);
  for (const kvs of chunks(image.base)) {
    const base = kvs.map((kv): [string, Uint8Array, number, number] => [kv.key, kv.value, kv.createRevision, kv.modRevision]);
    yield encode({ base } satisfies WireSnapshotPart);
  }
  for (const revisions of chunks(image.history)) {
    const history = revisions.map(({ revision, writes }): [number, WireWrites] => [revision, toWire(writes)]);
    yield encode({ history } satisfies WireSnapshotPart);
  }
  yield encode({ end: true } satisfies WireSnapshotPart);
}

export function decodeSnapshot(payloads: Uint8Array[]): KeySpaceImage {
  const parts = payloads.map((payload) => decode(payload) as WireSnapshotPart);
  const header = parts[0];
  if (header?.format !== snapshotFormat) throw new Error(`unsupported snapshot format ${String(header?.format)}`);
  if (!parts.at(-1)?.end) throw new Error('snapshot is incomplete');
  return {
    revision: header.revision!,
    compactRevision: header.compactRevision!,
    base: parts.flatMap((part) =>
      (part.base ?? []).map(([key, value, createRevision, modRevision]): KeyValue => ({
        key,
        value: copy(value),
        createRevision,
        modRevision,
      })),
    ),
    history: parts.flatMap((part) => (part.history ?? []).map(([revision, writes]) => ({ revision, writes: fromWire(writes) }))),
  };
}

function* chunks<T>(items: Iterable<T>): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === snapshotChunk) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

function toWire(writes: KeyWrite[]): WireWrites {
  return writes.map(({ key, value }) => [key, value]);
}

function fromWire(writes: WireWrites): KeyWrite[] {
  return writes.map(([key, value]) => ({ key, value: value && copy(value) }));
}

// Decoded bytes are views into the whole file read at start-up; a copy lets that go.
const copy = (bytes: Uint8Array) => new Uint8Array(bytes);

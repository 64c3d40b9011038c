/**
 * Live job-log chunks, per job, for the WebSocket and SSE streams.
 *
 * `JobLogService` publishes every chunk it appends (the exact JSONL text, with the byte range it
 * occupies in the job's log file). Subscribers on this replica get it at once; other replicas get
 * it through `NOTIFY stroem_job_log_chunk`. Replicas may not share the log folder, so the notice
 * carries the text itself, split into pieces of at most 7000 bytes (PostgreSQL caps a payload at
 * 8000): at newlines when a line fits, otherwise at a UTF-8 character boundary. A piece is a chunk
 * of its own (`start`..`end` within the publisher's file), so subscribers stitch backfill and live
 * by byte offset either way. Payload: `c|<replica>|<job>|<start>|<text>`; a replica ignores its own.
 */
import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { JOB_LOG_CHUNK_CHANNEL, notifyJobLogChunks } from '@stroem/db';
import type { DataSource } from 'typeorm';
import { ChannelListener } from '../database/channel-listener';
import { DATA_SOURCE, DATABASE_URL } from '../database/database.module';

/** Bytes `start`..`end` (exclusive) of a job's JSONL log. */
export interface LogChunk {
  start: number;
  end: number;
  text: string;
}

export type LogChunkSubscriber = (chunk: LogChunk) => void;

export const NOTICE_PIECE_BYTES = 7000;
const SYNC_TIMEOUT_MS = 2000;

@Injectable()
export class JobLogBroadcaster implements OnModuleInit, OnModuleDestroy {
  readonly replicaId = randomUUID();
  private readonly logger = new Logger(JobLogBroadcaster.name);
  private readonly subscribers = new Map<string, Set<LogChunkSubscriber>>();
  private readonly syncWaiters = new Map<string, () => void>();
  private readonly listener: ChannelListener;

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(DATABASE_URL) url: string,
  ) {
    this.listener = new ChannelListener(
      url,
      JOB_LOG_CHUNK_CHANNEL,
      { notification: (payload) => this.heard(payload) },
      this.logger,
    );
  }

  /** Returns the unsubscribe function. */
  subscribe(jobId: string, subscriber: LogChunkSubscriber): () => void {
    const key = jobId.toLowerCase();
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.subscribers.get(key) === set) this.subscribers.delete(key);
    };
  }

  subscriberCount(jobId: string): number {
    return this.subscribers.get(jobId.toLowerCase())?.size ?? 0;
  }

  /** Called by JobLogService in append order; a failed NOTIFY is logged, never thrown. */
  async publish(jobId: string, start: number, text: string): Promise<void> {
    const key = jobId.toLowerCase();
    this.deliver(key, { start, end: start + Buffer.byteLength(text), text });
    const payloads = splitPieces(text, start).map(
      (piece) => `c|${this.replicaId}|${key}|${piece.start}|${piece.text}`,
    );
    try {
      await notifyJobLogChunks(this.ds.manager, payloads);
    } catch (err) {
      this.logger.warn(`job ${key}: log chunk notice failed: ${(err as Error).message}`);
    }
  }

  /**
   * Resolves once every notice queued before the call has reached this replica (NOTIFY is
   * delivered in queue order, so hearing our own later marker proves it), or after 2 s.
   */
  async sync(): Promise<void> {
    if (!this.listener.connected) return;
    const token = randomUUID();
    const heard = new Promise<void>((resolve) => this.syncWaiters.set(token, resolve));
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SYNC_TIMEOUT_MS).unref());
    try {
      await notifyJobLogChunks(this.ds.manager, [`s|${this.replicaId}|${token}`]);
      await Promise.race([heard, timeout]);
    } catch {
      // the database is gone: nothing more will be heard anyway
    } finally {
      this.syncWaiters.delete(token);
    }
  }

  onModuleInit(): Promise<void> {
    return this.listener.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.listener.stop();
  }

  private deliver(key: string, chunk: LogChunk): void {
    const set = this.subscribers.get(key);
    if (!set) return;
    for (const subscriber of [...set]) {
      try {
        subscriber(chunk);
      } catch (err) {
        this.logger.warn(`job ${key}: log subscriber failed: ${(err as Error).message}`);
      }
    }
  }

  private heard(payload: string | undefined): void {
    if (!payload) return;
    const parts = payload.split('|');
    if (parts[1] !== this.replicaId) {
      if (parts[0] !== 'c' || parts.length < 5) return;
      const prefix = `c|${parts[1]}|${parts[2]}|${parts[3]}|`;
      const start = Number(parts[3]);
      if (!Number.isSafeInteger(start)) return;
      const text = payload.slice(prefix.length);
      this.deliver(parts[2], { start, end: start + Buffer.byteLength(text), text });
      return;
    }
    if (parts[0] === 's') this.syncWaiters.get(parts[2])?.();
  }
}

/** `text` in pieces of ≤ NOTICE_PIECE_BYTES bytes: at newlines if possible, never inside a character. */
export function splitPieces(
  text: string,
  start: number,
  limit = NOTICE_PIECE_BYTES,
): { start: number; text: string }[] {
  const bytes = Buffer.from(text);
  const pieces: { start: number; text: string }[] = [];
  let from = 0;
  while (from < bytes.length) {
    let to = Math.min(from + limit, bytes.length);
    if (to < bytes.length) {
      const newline = bytes.lastIndexOf(0x0a, to - 1);
      if (newline >= from) to = newline + 1;
      else while (to > from + 1 && (bytes[to] & 0xc0) === 0x80) to--;
    }
    pieces.push({ start: start + from, text: bytes.subarray(from, to).toString() });
    from = to;
  }
  return pieces;
}

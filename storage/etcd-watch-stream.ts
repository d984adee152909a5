import type { IDuplexStream, IWatchCreateRequest, IWatchRequest, IWatchResponse, WatchClient } from 'etcd3';

export interface WatchStreamListener {
  /** Every response etcd sends for the watch after it was created. */
  onResponse(res: IWatchResponse): void;
  /** The stream broke, ended, or etcd did not create the watch in time. Called at most once. */
  onFailure(err: Error): void;
}

/**
 * One etcd watch on its own gRPC stream. We bypass the etcd3 package's Watcher because
 * it drops `compact_revision` from cancellations and silently reconnects from the last
 * header revision, which can skip events; callers here need both facts surfaced.
 */
export class WatchStream {
  private stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  private done = false;
  private readonly createTimer: NodeJS.Timeout;

  constructor(
    watchClient: WatchClient,
    request: IWatchCreateRequest,
    private readonly listener: WatchStreamListener,
    createTimeoutMs: number,
  ) {
    this.createTimer = setTimeout(
      () => this.fail(new Error(`etcd did not create the watch within ${createTimeoutMs} ms`)),
      createTimeoutMs,
    );
    watchClient.watch().then(
      (stream) => this.attach(stream, request),
      (err: Error) => this.fail(err),
    );
  }

  /**
   * Asks etcd for a progress notification: a response without events whose header
   * revision every later event of this stream exceeds.
   */
  requestProgress(): void {
    if (!this.done) this.stream?.write({ progress_request: {} });
  }

  /** Stops the watch; no callback runs afterwards. */
  close(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.createTimer);
    this.stream?.cancel();
  }

  private attach(stream: IDuplexStream<IWatchRequest, IWatchResponse>, request: IWatchCreateRequest): void {
    if (this.done) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream
      .on('data', (res) => this.receive(res))
      .on('error', (err) => this.fail(err))
      .on('end', () => this.fail(new Error('etcd ended the watch stream')));
    stream.write({ create_request: request });
  }

  private receive(res: IWatchResponse): void {
    if (this.done) return;
    if (res.created) clearTimeout(this.createTimer);
    this.listener.onResponse(res);
  }

  private fail(err: Error): void {
    if (this.done) return;
    this.close();
    this.listener.onFailure(err);
  }
}

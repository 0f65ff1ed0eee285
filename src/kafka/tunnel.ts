// The socket factory for a Kafka that is only reachable through a tunnel (the
// Kubernetes API's port-forward, src/cluster/port-forward.ts): every address the client
// dials, the bootstrap and each broker address from Metadata, becomes a stream from
// `BrokerTunnel.open(host, port)`, which "connects" once the stream is open.
import { Duplex } from 'node:stream';

/** Opens a byte stream to the broker at `host:port` (the address as Kafka names it). */
export interface BrokerTunnel {
  open(host: string, port: number): Promise<Duplex>;
}

/**
 * A net.Socket stand-in over a stream that is still being opened: writes wait for it,
 * a failure to open becomes the socket's 'error'.
 */
export class TunnelSocket extends Duplex {
  private inner?: Duplex;
  private pending: Array<{ chunk: Buffer; callback: (error?: Error | null) => void }> = [];
  private finalCallback?: (error?: Error | null) => void;

  constructor(opening: Promise<Duplex>, onConnect?: () => void) {
    super();
    opening.then((inner) => {
      if (this.destroyed) {
        inner.destroy();
        return;
      }
      this.inner = inner;
      inner.on('data', (chunk: Buffer) => {
        if (!this.push(chunk)) inner.pause();
      });
      inner.on('end', () => this.push(null));
      inner.on('error', (error) => this.destroy(error));
      inner.on('close', () => {
        if (!this.readableEnded && !this.destroyed) this.push(null);
      });
      for (const { chunk, callback } of this.pending.splice(0)) inner.write(chunk, callback);
      if (this.finalCallback) inner.end(this.finalCallback);
      this.emit('connect');
      onConnect?.();
    }, (error: Error) => this.destroy(error));
  }

  override _read(): void {
    this.inner?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.inner) this.inner.write(chunk, callback);
    else this.pending.push({ chunk, callback });
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.inner) this.inner.end(callback);
    else this.finalCallback = callback;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(error);
  }

  // net.Socket's knobs: nothing to tune on a tunnelled stream.
  setKeepAlive(): this { return this; }
  setNoDelay(): this { return this; }
  setTimeout(): this { return this; }
  ref(): this { return this; }
  unref(): this { return this; }
}

export interface TunnelSocketFactoryOptions {
  /** Called when a tunnel cannot be opened (service missing, port-forward forbidden, ...). */
  onOpenError?: (error: unknown, address: string) => void;
}

/** The socketFactory for firehose's client (src/kafka/wire/): one stream per broker address; TLS, when configured, runs inside it. */
export function tunnelStreamFactory(tunnel: BrokerTunnel, options: TunnelSocketFactoryOptions = {}): (host: string, port: number) => Duplex {
  return (host, port) => {
    const opening = tunnel.open(host, port);
    opening.catch((error: unknown) => options.onOpenError?.(error, `${host}:${port}`));
    return new TunnelSocket(opening);
  };
}

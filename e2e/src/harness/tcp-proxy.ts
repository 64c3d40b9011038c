/**
 * A TCP load balancer for tests: one loopback port in front of several backend ports. Each new
 * client connection goes to the next backend in turn; a backend that refuses the connection is
 * skipped for the next one, so a killed replica drops out and traffic moves to the survivors.
 * Open connections are piped byte for byte and closed with their backend.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private next = 0;
  private readonly sockets = new Set<Socket>();
  /** Connections per backend port, for a test to see that traffic was spread. */
  readonly connections = new Map<number, number>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly backends: number[],
  ) {}

  /** Starts a proxy on a free 127.0.0.1 port for the given backend ports. */
  static async start(backends: number[]): Promise<TcpProxy> {
    if (backends.length === 0) throw new Error('a TcpProxy needs at least one backend port');
    const server = createServer();
    const port = await new Promise<number>((done, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        done(typeof address === 'object' && address ? address.port : 0);
      });
    });
    const proxy = new TcpProxy(server, port, [...backends]);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const first = this.next++ % this.backends.length;
    this.tryBackend(client, first, 0);
  }

  /** Connects `client` to backend `first + attempt`, moving on while connects are refused. */
  private tryBackend(client: Socket, first: number, attempt: number): void {
    if (client.destroyed) return;
    if (attempt >= this.backends.length) {
      client.destroy();
      return;
    }
    const port = this.backends[(first + attempt) % this.backends.length];
    const upstream = connect({ host: '127.0.0.1', port });
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      this.sockets.add(upstream);
      this.connections.set(port, (this.connections.get(port) ?? 0) + 1);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) this.tryBackend(client, first, attempt + 1);
      else client.destroy();
    });
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      if (connected) client.destroy();
    });
    client.on('close', () => upstream.destroy());
  }
}

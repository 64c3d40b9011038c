/** Turns a DOCKER_HOST-style address into dockerode connection options. */
import type Docker from 'dockerode';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** `unix:///path/docker.sock`, `tcp://host:port` (plain http), `http(s)://host:port` or a socket path. */
export function dockerConnectionOptions(host: string): Docker.DockerOptions {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('/')) return { socketPath: host };
  const match = /^(tcp|http|https):\/\/([^:/]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(host);
  if (!match) {
    throw new Error(
      `Unsupported Docker host '${host}': use unix:///path/docker.sock or tcp://host:port`,
    );
  }
  const [, scheme, hostname, port] = match;
  const protocol = scheme === 'https' ? 'https' : 'http';
  return {
    host: hostname,
    port: port ?? (protocol === 'https' ? '2376' : '2375'),
    protocol,
  };
}

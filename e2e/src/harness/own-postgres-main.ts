/**
 * The process behind `OwnPostgres`: starts the embedded server (an ESM package, which jest's VM
 * cannot import) on `<dataDir> <port>`, prints `READY <url> <real data dir>`, and on SIGTERM stops
 * it with a fast shutdown and exits.
 */
import { startEmbeddedPostgres } from '@stroem/db';

async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  if (!dataDir || !port) throw new Error('usage: own-postgres-main <data dir> <port>');
  const handle = await startEmbeddedPostgres({ dataDir, port: Number(port) });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    handle.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The test process went away without stopping us: leave nothing behind.
  process.on('disconnect', stop);
  process.stdout.write(`READY ${handle.url} ${handle.dataDir}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`own-postgres: ${(err as Error).message}\n`);
  process.exit(1);
});

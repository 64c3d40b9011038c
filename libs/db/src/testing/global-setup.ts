/**
 * jest globalSetup for every project that needs PostgreSQL: the server from DATABASE_URL, or
 * one throwaway embedded cluster for this run; migrations run once into a template database
 * that each test file copies (`createTestDatabase`).
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../lib/data-source';
import { startEmbeddedPostgres } from '../lib/embedded-postgres';
import {
  ADMIN_URL_ENV,
  TEMPLATE_DB_ENV,
  uniqueDatabaseName,
  withDatabase,
} from './test-database-env';
import { setRunState } from './run-state';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env['DATABASE_URL'];
  let stopServer: (() => Promise<void>) | undefined;
  let dataRoot: string | undefined;
  if (!adminUrl) {
    dataRoot = mkdtempSync(path.join(tmpdir(), 'stroem-test-pg-'));
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(dataRoot, 'data'),
      port: await freePort(),
      database: 'postgres',
    });
    adminUrl = pg.adminUrl;
    stopServer = pg.stop;
  }

  const template = uniqueDatabaseName('stroem_tpl');
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(template)}`);
  await admin.end();

  const ds = createDataSource(withDatabase(adminUrl, template), { poolSize: 1 });
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();

  process.env[ADMIN_URL_ENV] = adminUrl;
  process.env[TEMPLATE_DB_ENV] = template;
  setRunState({ adminUrl, template, stopServer, dataRoot });
}

import { Client } from 'pg';
import {
  ADMIN_URL_ENV,
  TEMPLATE_DB_ENV,
  uniqueDatabaseName,
  withDatabase,
} from './test-database-env';

export interface TestDatabase {
  /** Connection URL of this test file's own, already migrated database. */
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh migrated database for one test file: a file-level copy of the run's template (tens of
 * milliseconds). Needs the `@stroem/db/testing` globalSetup in the project's jest.config.js.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env[ADMIN_URL_ENV];
  const template = process.env[TEMPLATE_DB_ENV];
  if (!adminUrl || !template) {
    throw new Error(
      'no test database server: add libs/db/src/testing/global-setup.ts as globalSetup in jest.config.js',
    );
  }
  const name = uniqueDatabaseName('stroem_test');
  await withAdmin(adminUrl, async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(
          `CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)} STRATEGY FILE_COPY`,
        );
        return;
      } catch (err) {
        // Another file copying the same template at this instant holds it briefly.
        if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message))
          throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  return {
    url: withDatabase(adminUrl, name),
    drop: () =>
      withAdmin(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
      ).then(() => undefined),
  };
}

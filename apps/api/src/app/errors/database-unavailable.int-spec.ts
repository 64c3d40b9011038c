/**
 * The `{error}` filter answers requests whose database work failed because PostgreSQL is not
 * reachable with 503 (and `Retry-After`), not 500: real connection failures from node-postgres
 * and TypeORM, against a port nobody listens on and a session PostgreSQL terminates.
 */
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { createDataSource } from '@stroem/db';
import { createTestDatabase, type TestDatabase } from '@stroem/db/testing';
import { createServer } from 'node:net';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { ApiExceptionFilter } from './api-exception.filter';
import { isDatabaseUnavailable } from './database-unavailable';

let db: TestDatabase;
let ds: DataSource;
let closedPool: Pool;
let app: INestApplication;
let base: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

@Controller()
class ProbeController {
  @Get('refused')
  async refused() {
    return (await closedPool.query('SELECT 1')).rows;
  }

  @Get('terminated')
  terminated() {
    return ds.query('SELECT pg_terminate_backend(pg_backend_pid())');
  }

  @Get('bad-sql')
  badSql() {
    return ds.query('SELECT * FROM no_such_table');
  }
}

@Module({
  controllers: [ProbeController],
  providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
})
class ProbeModule {}

beforeAll(async () => {
  db = await createTestDatabase();
  ds = createDataSource(db.url, { poolSize: 2 });
  await ds.initialize();
  closedPool = new Pool({
    connectionString: `postgres://postgres:x@127.0.0.1:${await freePort()}/none`,
  });
  app = await NestFactory.create(ProbeModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
});

afterAll(async () => {
  await app?.close();
  await closedPool?.end();
  await ds?.destroy();
  await db?.drop();
});

async function get(path: string) {
  const res = await fetch(`${base.replace('[::1]', '127.0.0.1')}${path}`);
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as { error: string },
  };
}

it('answers 503 {error} with Retry-After when PostgreSQL refuses the connection', async () => {
  const res = await get('/refused');
  expect(res.status).toBe(503);
  expect(res.retryAfter).toBe('2');
  expect(res.body).toEqual({
    error: expect.stringMatching(/^database unavailable \(.*ECONNREFUSED/),
  });
});

it('answers 503 when PostgreSQL terminates the session mid-query (57P01 via TypeORM)', async () => {
  const res = await get('/terminated');
  expect(res.status).toBe(503);
  expect(res.body.error).toMatch(/^database unavailable \(terminating connection/);
  // The pool drops the dead connection (the one query that may still pick it up fails with
  // "Connection terminated", also a 503 case) and opens a new one.
  let answer: unknown;
  for (let attempt = 0; attempt < 3 && answer === undefined; attempt++) {
    answer = await ds.query('SELECT 1 AS one').catch((err: unknown) => {
      expect(isDatabaseUnavailable(err)).toBe(true);
      return undefined;
    });
  }
  expect(answer).toEqual([{ one: 1 }]);
});

it('still answers 500 for a query that is simply wrong', async () => {
  const res = await get('/bad-sql');
  expect(res.status).toBe(500);
  expect(res.body).toEqual({ error: 'Internal server error' });
});

it('tells connection failures from other errors', () => {
  expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '57P03' }))).toBe(true);
  expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(isDatabaseUnavailable(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false);
  expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
});

/** How globalSetup hands the database server to test files (they run in other processes). */
export const ADMIN_URL_ENV = 'STROEM_TEST_ADMIN_URL';
export const TEMPLATE_DB_ENV = 'STROEM_TEST_TEMPLATE_DB';

/** `url` with its database path replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export function uniqueDatabaseName(prefix: string): string {
  const random = Math.random().toString(36).slice(2, 10);
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${random}`;
}

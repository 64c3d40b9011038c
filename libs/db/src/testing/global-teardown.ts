import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { takeRunState } from './run-state';

export default async function globalTeardown(): Promise<void> {
  const state = takeRunState();
  if (!state) return;
  if (state.stopServer) {
    await state.stopServer();
  } else {
    const admin = new Client({ connectionString: state.adminUrl });
    await admin.connect();
    await admin.query(
      `DROP DATABASE IF EXISTS ${admin.escapeIdentifier(state.template)} WITH (FORCE)`,
    );
    await admin.end();
  }
  if (state.dataRoot) rmSync(state.dataRoot, { recursive: true, force: true });
}

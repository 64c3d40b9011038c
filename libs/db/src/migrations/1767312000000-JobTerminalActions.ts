import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `job.terminal_actions_at`: set by the one conditional UPDATE that lets a job's terminal
 * actions (parent propagation, task-level retry, hooks) run exactly once.
 */
export class JobTerminalActions1767312000000 implements MigrationInterface {
  name = 'JobTerminalActions1767312000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job ADD COLUMN terminal_actions_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job DROP COLUMN terminal_actions_at`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** worker, job and job_step (reference §3.6), with the claim and list indexes. */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE worker (
        worker_id      uuid PRIMARY KEY,
        name           text NOT NULL,
        capabilities   jsonb NOT NULL DEFAULT '[]',
        tags           jsonb NOT NULL DEFAULT '[]',
        exclusive      boolean NOT NULL DEFAULT false,
        status         text NOT NULL DEFAULT 'active',
        last_heartbeat timestamptz,
        registered_at  timestamptz NOT NULL DEFAULT now(),
        version        text,
        CONSTRAINT chk_worker_status CHECK (status IN ('active', 'inactive'))
      )`);
    await q.query(`CREATE INDEX idx_worker_status ON worker (status)`);

    await q.query(`
      CREATE TABLE job (
        job_id              uuid PRIMARY KEY,
        workspace           text NOT NULL,
        task_name           text NOT NULL,
        mode                text NOT NULL DEFAULT 'distributed',
        input               jsonb,
        raw_input           jsonb,
        output              jsonb,
        status              text NOT NULL,
        source_type         text NOT NULL,
        source_id           text,
        worker_id           uuid,
        revision            text,
        timeout_secs        integer,
        created_at          timestamptz NOT NULL DEFAULT now(),
        started_at          timestamptz,
        completed_at        timestamptz,
        log_path            text,
        parent_job_id       uuid,
        parent_step_name    text,
        retry_of_job_id     uuid,
        retry_job_id        uuid,
        retry_attempt       integer NOT NULL DEFAULT 0,
        max_retries         integer,
        source_job_id       uuid,
        restart_from_step   text,
        metrics_recorded_at timestamptz,
        CONSTRAINT chk_job_status CHECK
          (status IN ('pending', 'running', 'completed', 'failed', 'cancelled', 'skipped')),
        CONSTRAINT chk_job_timeout CHECK (timeout_secs IS NULL OR timeout_secs > 0),
        CONSTRAINT fk_job_worker FOREIGN KEY (worker_id)
          REFERENCES worker (worker_id) ON DELETE SET NULL,
        CONSTRAINT fk_job_parent FOREIGN KEY (parent_job_id)
          REFERENCES job (job_id) ON DELETE SET NULL,
        CONSTRAINT fk_job_retry_of FOREIGN KEY (retry_of_job_id)
          REFERENCES job (job_id) ON DELETE SET NULL,
        CONSTRAINT fk_job_source_job FOREIGN KEY (source_job_id)
          REFERENCES job (job_id) ON DELETE SET NULL
      )`);
    await q.query(`CREATE INDEX idx_job_status ON job (status)`);
    await q.query(`CREATE INDEX idx_job_created_at ON job (created_at)`);
    await q.query(`CREATE INDEX idx_job_workspace_task ON job (workspace, task_name)`);
    await q.query(`CREATE INDEX idx_job_parent ON job (parent_job_id)`);
    await q.query(`CREATE INDEX idx_job_source ON job (source_type, source_id)`);

    await q.query(`
      CREATE TABLE job_step (
        job_id              uuid NOT NULL,
        step_name           text NOT NULL,
        action_name         text NOT NULL,
        action_type         text NOT NULL,
        action_image        text,
        action_spec         jsonb,
        input               jsonb,
        output              jsonb,
        status              text NOT NULL,
        worker_id           uuid,
        started_at          timestamptz,
        completed_at        timestamptz,
        ready_at            timestamptz,
        suspended_at        timestamptz,
        error_message       text,
        required_ability    text NOT NULL DEFAULT '',
        required_tags       jsonb NOT NULL DEFAULT '[]',
        runner              text NOT NULL DEFAULT 'none',
        timeout_secs        integer,
        when_condition      text,
        for_each_expr       text,
        depends_on          jsonb NOT NULL DEFAULT '[]',
        continue_on_failure boolean NOT NULL DEFAULT false,
        sequential          boolean NOT NULL DEFAULT false,
        loop_source         text,
        loop_index          integer,
        loop_total          integer,
        loop_item           jsonb,
        agent_state         jsonb,
        retry_attempt       integer NOT NULL DEFAULT 0,
        max_retries         integer,
        retry_backoff_secs  integer,
        retry_strategy      text,
        retry_jitter        boolean NOT NULL DEFAULT false,
        retry_history       jsonb NOT NULL DEFAULT '[]',
        retry_at            timestamptz,
        action_workspace    text,
        action_revision     text,
        CONSTRAINT pk_job_step PRIMARY KEY (job_id, step_name),
        CONSTRAINT fk_job_step_job FOREIGN KEY (job_id) REFERENCES job (job_id) ON DELETE CASCADE,
        CONSTRAINT chk_job_step_status CHECK (status IN
          ('pending', 'ready', 'claimed', 'running', 'completed', 'failed', 'skipped', 'cancelled', 'suspended'))
      )`);
    await q.query(
      `CREATE INDEX idx_job_step_claimable ON job_step (ready_at) WHERE status = 'ready'`,
    );
    await q.query(`CREATE INDEX idx_job_step_worker ON job_step (worker_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_step`);
    await q.query(`DROP TABLE job`);
    await q.query(`DROP TABLE worker`);
  }
}

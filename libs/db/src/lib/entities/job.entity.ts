import type { JobStatus, JsonObject, JsonValue } from '@stroem/workflow';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One run of a task (reference §3.6). */
@Entity({ name: 'job' })
@Index('idx_job_status', ['status'])
@Index('idx_job_created_at', ['createdAt'])
@Index('idx_job_workspace_task', ['workspace', 'taskName'])
@Index('idx_job_parent', ['parentJobId'])
@Index('idx_job_source', ['sourceType', 'sourceId'])
export class JobEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @Column({ name: 'workspace', type: 'text' })
  workspace!: string;

  @Column({ name: 'task_name', type: 'text' })
  taskName!: string;

  /** `distributed` | `local` */
  @Column({ name: 'mode', type: 'text', default: 'distributed' })
  mode!: string;

  /** Input after defaults and connections. */
  @Column({ name: 'input', type: 'jsonb', nullable: true })
  input!: JsonObject | null;

  /** Input as submitted. */
  @Column({ name: 'raw_input', type: 'jsonb', nullable: true })
  rawInput!: JsonObject | null;

  @Column({ name: 'output', type: 'jsonb', nullable: true })
  output!: JsonValue | null;

  @Column({ name: 'status', type: 'text' })
  status!: JobStatus;

  @Column({ name: 'source_type', type: 'text' })
  sourceType!: string;

  @Column({ name: 'source_id', type: 'text', nullable: true })
  sourceId!: string | null;

  @Column({ name: 'worker_id', type: 'uuid', nullable: true })
  workerId!: string | null;

  /** Workspace revision the job was created against. */
  @Column({ name: 'revision', type: 'text', nullable: true })
  revision!: string | null;

  @Column({ name: 'timeout_secs', type: 'integer', nullable: true })
  timeoutSecs!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'log_path', type: 'text', nullable: true })
  logPath!: string | null;

  @Column({ name: 'parent_job_id', type: 'uuid', nullable: true })
  parentJobId!: string | null;

  @Column({ name: 'parent_step_name', type: 'text', nullable: true })
  parentStepName!: string | null;

  @Column({ name: 'retry_of_job_id', type: 'uuid', nullable: true })
  retryOfJobId!: string | null;

  @Column({ name: 'retry_job_id', type: 'uuid', nullable: true })
  retryJobId!: string | null;

  @Column({ name: 'retry_attempt', type: 'integer', default: 0 })
  retryAttempt!: number;

  @Column({ name: 'max_retries', type: 'integer', nullable: true })
  maxRetries!: number | null;

  @Column({ name: 'source_job_id', type: 'uuid', nullable: true })
  sourceJobId!: string | null;

  @Column({ name: 'restart_from_step', type: 'text', nullable: true })
  restartFromStep!: string | null;

  @Column({ name: 'metrics_recorded_at', type: 'timestamptz', nullable: true })
  metricsRecordedAt!: Date | null;

  /** When the job's terminal actions (parent propagation, retry, hooks) were claimed. */
  @Column({ name: 'terminal_actions_at', type: 'timestamptz', nullable: true })
  terminalActionsAt!: Date | null;
}

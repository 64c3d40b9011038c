import type { JsonObject, JsonValue, StepStatus } from '@stroem/workflow';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One entry of a step's `retry_history`. */
export interface RetryHistoryEntry {
  attempt: number;
  error: string | null;
  started_at: string | null;
  failed_at: string;
}

/**
 * One step row of a job (reference §3.6): a flow step, or a `for_each` instance `name[i]`.
 * `depends_on`, `continue_on_failure` and `sequential` are copied from the flow at creation
 * (our addition), so a job keeps its DAG when the workspace changes under it.
 */
@Entity({ name: 'job_step' })
@Index('idx_job_step_claimable', ['readyAt'], { where: `status = 'ready'` })
@Index('idx_job_step_worker', ['workerId'])
export class JobStepEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @PrimaryColumn({ name: 'step_name', type: 'text' })
  stepName!: string;

  @Column({ name: 'action_name', type: 'text' })
  actionName!: string;

  @Column({ name: 'action_type', type: 'text' })
  actionType!: string;

  @Column({ name: 'action_image', type: 'text', nullable: true })
  actionImage!: string | null;

  /** The ActionDef as JSON; unrendered until claim. */
  @Column({ name: 'action_spec', type: 'jsonb', nullable: true })
  actionSpec!: JsonObject | null;

  /** The flow step's input map until claim, then the prepared action input. */
  @Column({ name: 'input', type: 'jsonb', nullable: true })
  input!: JsonObject | null;

  @Column({ name: 'output', type: 'jsonb', nullable: true })
  output!: JsonValue | null;

  @Column({ name: 'status', type: 'text' })
  status!: StepStatus;

  @Column({ name: 'worker_id', type: 'uuid', nullable: true })
  workerId!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'ready_at', type: 'timestamptz', nullable: true })
  readyAt!: Date | null;

  @Column({ name: 'suspended_at', type: 'timestamptz', nullable: true })
  suspendedAt!: Date | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  /** `script` | `docker` | `kubernetes` | `agent` | '' (server-dispatched). */
  @Column({ name: 'required_ability', type: 'text', default: '' })
  requiredAbility!: string;

  @Column({ name: 'required_tags', type: 'jsonb', default: () => `'[]'` })
  requiredTags!: string[];

  /** `local` | `docker` | `pod` | `none` */
  @Column({ name: 'runner', type: 'text', default: 'none' })
  runner!: string;

  @Column({ name: 'timeout_secs', type: 'integer', nullable: true })
  timeoutSecs!: number | null;

  @Column({ name: 'when_condition', type: 'text', nullable: true })
  whenCondition!: string | null;

  /** A template, or a literal list as JSON text. */
  @Column({ name: 'for_each_expr', type: 'text', nullable: true })
  forEachExpr!: string | null;

  @Column({ name: 'depends_on', type: 'jsonb', default: () => `'[]'` })
  dependsOn!: string[];

  @Column({ name: 'continue_on_failure', type: 'boolean', default: false })
  continueOnFailure!: boolean;

  @Column({ name: 'sequential', type: 'boolean', default: false })
  sequential!: boolean;

  @Column({ name: 'loop_source', type: 'text', nullable: true })
  loopSource!: string | null;

  @Column({ name: 'loop_index', type: 'integer', nullable: true })
  loopIndex!: number | null;

  @Column({ name: 'loop_total', type: 'integer', nullable: true })
  loopTotal!: number | null;

  @Column({ name: 'loop_item', type: 'jsonb', nullable: true })
  loopItem!: JsonValue | null;

  @Column({ name: 'agent_state', type: 'jsonb', nullable: true })
  agentState!: JsonValue | null;

  @Column({ name: 'retry_attempt', type: 'integer', default: 0 })
  retryAttempt!: number;

  @Column({ name: 'max_retries', type: 'integer', nullable: true })
  maxRetries!: number | null;

  @Column({ name: 'retry_backoff_secs', type: 'integer', nullable: true })
  retryBackoffSecs!: number | null;

  /** `fixed` | `exponential` */
  @Column({ name: 'retry_strategy', type: 'text', nullable: true })
  retryStrategy!: string | null;

  @Column({ name: 'retry_jitter', type: 'boolean', default: false })
  retryJitter!: boolean;

  @Column({ name: 'retry_history', type: 'jsonb', default: () => `'[]'` })
  retryHistory!: RetryHistoryEntry[];

  @Column({ name: 'retry_at', type: 'timestamptz', nullable: true })
  retryAt!: Date | null;

  @Column({ name: 'action_workspace', type: 'text', nullable: true })
  actionWorkspace!: string | null;

  @Column({ name: 'action_revision', type: 'text', nullable: true })
  actionRevision!: string | null;
}

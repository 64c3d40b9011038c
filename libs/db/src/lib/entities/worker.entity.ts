import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A registered worker process (a new row per registration, as upstream). */
@Entity({ name: 'worker' })
@Index('idx_worker_status', ['status'])
export class WorkerEntity {
  @PrimaryColumn({ name: 'worker_id', type: 'uuid' })
  workerId!: string;

  @Column({ name: 'name', type: 'text' })
  name!: string;

  /** Abilities such as `script`, `docker`, `kubernetes`, `agent`. */
  @Column({ name: 'capabilities', type: 'jsonb', default: () => `'[]'` })
  capabilities!: string[];

  /** Affinity labels. */
  @Column({ name: 'tags', type: 'jsonb', default: () => `'[]'` })
  tags!: string[];

  @Column({ name: 'exclusive', type: 'boolean', default: false })
  exclusive!: boolean;

  /** `active` | `inactive` */
  @Column({ name: 'status', type: 'text', default: 'active' })
  status!: string;

  @Column({ name: 'last_heartbeat', type: 'timestamptz', nullable: true })
  lastHeartbeat!: Date | null;

  @Column({ name: 'registered_at', type: 'timestamptz', default: () => 'now()' })
  registeredAt!: Date;

  @Column({ name: 'version', type: 'text', nullable: true })
  version!: string | null;
}

import type { DataSource } from 'typeorm';

export interface ArtifactRow {
  id: string;
  jobId: string;
  stepName: string;
  name: string;
  contentType: string;
  sizeBytes: number;
  storageKey: string;
  createdAt: Date;
}

export type NewArtifact = Omit<ArtifactRow, 'createdAt'>;

const COLUMNS = `id, job_id AS "jobId", step_name AS "stepName", name,
  content_type AS "contentType", size_bytes::float8 AS "sizeBytes",
  storage_key AS "storageKey", created_at AS "createdAt"`;

/**
 * `job_artifact`: one row per file a step left, unique by name within the job (the last upload
 * wins). Deleting rows answers their storage keys: the caller deletes the blobs — and a job row
 * can only be deleted once its artifacts are gone (the foreign key restricts).
 */
export class ArtifactRepository {
  constructor(private readonly ds: DataSource) {}

  /** Inserts or replaces by (job, name); answers the replaced blob's key, if any. */
  async upsert(a: NewArtifact): Promise<{ replacedKey: string | null }> {
    const rows: { old: string | null }[] = await this.ds.query(
      `WITH old AS (SELECT storage_key FROM job_artifact WHERE job_id = $2 AND name = $4)
       INSERT INTO job_artifact (id, job_id, step_name, name, content_type, size_bytes, storage_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (job_id, name) DO UPDATE SET
         step_name = EXCLUDED.step_name, content_type = EXCLUDED.content_type,
         size_bytes = EXCLUDED.size_bytes, storage_key = EXCLUDED.storage_key, created_at = now()
       RETURNING (SELECT storage_key FROM old) AS old`,
      [a.id, a.jobId, a.stepName, a.name, a.contentType, a.sizeBytes, a.storageKey],
    );
    return { replacedKey: rows[0]?.old ?? null };
  }

  /** Bytes the job's artifacts take, leaving out one name (the one being replaced). */
  async jobTotalBytes(jobId: string, exceptName?: string): Promise<number> {
    const rows: { total: number }[] = await this.ds.query(
      `SELECT COALESCE(sum(size_bytes), 0)::float8 AS total FROM job_artifact
        WHERE job_id = $1 AND ($2::text IS NULL OR name <> $2)`,
      [jobId, exceptName ?? null],
    );
    return rows[0]?.total ?? 0;
  }

  async listForJob(jobId: string): Promise<ArtifactRow[]> {
    return this.ds.query(
      `SELECT ${COLUMNS} FROM job_artifact WHERE job_id = $1 ORDER BY step_name, name`,
      [jobId],
    );
  }

  async find(jobId: string, name: string): Promise<ArtifactRow | null> {
    const rows: ArtifactRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM job_artifact WHERE job_id = $1 AND name = $2`,
      [jobId, name],
    );
    return rows[0] ?? null;
  }

  /** Removes one step's artifacts; answers their storage keys. */
  async deleteForStep(jobId: string, stepName: string): Promise<string[]> {
    const [rows] = (await this.ds.query(
      `DELETE FROM job_artifact WHERE job_id = $1 AND step_name = $2
       RETURNING storage_key AS "storageKey"`,
      [jobId, stepName],
    )) as [{ storageKey: string }[], number];
    return rows.map((r) => r.storageKey);
  }

  /**
   * Removes all of a job's artifact rows; answers their storage keys. Retention deletes the
   * blobs (listForJob → BlobStore.delete) and then calls this before deleting the job.
   */
  async deleteForJob(jobId: string): Promise<string[]> {
    const [rows] = (await this.ds.query(
      `DELETE FROM job_artifact WHERE job_id = $1 RETURNING storage_key AS "storageKey"`,
      [jobId],
    )) as [{ storageKey: string }[], number];
    return rows.map((r) => r.storageKey);
  }
}

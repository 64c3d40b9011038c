/** A key segment from a workspace or task name: anything but `[A-Za-z0-9._-]` becomes `_`. */
function segment(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? '_' : safe;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Where a job's gzipped log is archived, below the archive's prefix (reference §1.17):
 * `{ws}/{task}/YYYY/MM/DD/YYYY-MM-DDTHH-MM-SS_{job}.jsonl.gz`, in UTC, from the job's
 * creation time.
 */
export function logArchiveKey(job: {
  jobId: string;
  workspace: string;
  taskName: string;
  createdAt: Date;
}): string {
  const t = job.createdAt;
  const [y, m, d] = [t.getUTCFullYear(), pad(t.getUTCMonth() + 1), pad(t.getUTCDate())];
  const time = `${pad(t.getUTCHours())}-${pad(t.getUTCMinutes())}-${pad(t.getUTCSeconds())}`;
  return (
    `${segment(job.workspace)}/${job.taskName.split('/').map(segment).join('/')}/` +
    `${y}/${m}/${d}/${y}-${m}-${d}T${time}_${job.jobId.toLowerCase()}.jsonl.gz`
  );
}

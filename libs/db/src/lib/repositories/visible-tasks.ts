/** The `(workspace, task)` pairs a caller may see; lists filtered by the ACL take them. */
export type VisibleTasks = readonly { workspace: string; task: string }[];

/** The two array parameters of `visibleJobCondition`: workspaces and task names, pairwise. */
export function visibleTaskParams(visible: VisibleTasks): [string[], string[]] {
  return [visible.map((v) => v.workspace), visible.map((v) => v.task)];
}

/**
 * SQL condition on the job alias `j`: its task is visible, or it is a one-step hook job
 * (`_hook:<action>`) whose parent job (`source_id`) has a visible task. `workspaces` and
 * `tasks` are the placeholders of `visibleTaskParams`' arrays (`$2`, `:visibleWs`, …).
 */
export function visibleJobCondition(j: string, workspaces: string, tasks: string): string {
  const pairs = `(SELECT * FROM unnest(CAST(${workspaces} AS text[]), CAST(${tasks} AS text[])))`;
  // The CASE keeps the uuid cast away from the source ids of other jobs (e-mails, names).
  return `((${j}.workspace, ${j}.task_name) IN ${pairs}
    OR (left(${j}.task_name, 6) = '_hook:' AND EXISTS (
      SELECT 1 FROM job parent
       WHERE parent.job_id = (CASE WHEN left(${j}.task_name, 6) = '_hook:'
                                   THEN CAST(${j}.source_id AS uuid) END)
         AND (parent.workspace, parent.task_name) IN ${pairs})))`;
}

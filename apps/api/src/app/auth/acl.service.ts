import { Inject, Injectable } from '@nestjs/common';
import {
  SERVER_CONFIG,
  type AclAction,
  type AclConfig,
  type ServerConfig,
} from '../config/server-config';
import { forbidden, notFound } from '../errors/domain-errors';
import { WorkspaceRegistry } from '../workspace/workspace-registry.service';
import type { Principal } from './principal';

const RANK: Record<AclAction, number> = { deny: 0, view: 1, run: 2 };

/** `*` any run of characters (also across `/`), `?` one character; the rest literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

interface CompiledRule {
  workspace: RegExp;
  tasks: RegExp[];
  action: AclAction;
  groups: Set<string>;
  users: Set<string>;
}

/** A `(workspace, task)` pair the caller may at least view. */
export interface VisibleTask {
  workspace: string;
  task: string;
}

/**
 * Config-driven task permissions (reference §3.0): for a non-admin user the highest action of
 * the rules matching the workspace, the task's `folder/task` path and the user (by e-mail or
 * group) wins, else `acl.default`. Without auth, without `acl`, or for an admin: `run`.
 * Deny reads as 404 (the task "does not exist"), view on a mutation as 403.
 */
@Injectable()
export class AclService {
  private readonly acl: AclConfig | undefined;
  private readonly rules: CompiledRule[];

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    private readonly workspaces: WorkspaceRegistry,
  ) {
    this.acl = config.auth ? config.acl : undefined;
    this.rules = (this.acl?.rules ?? []).map((rule) => ({
      workspace: globToRegExp(rule.workspace),
      tasks: rule.tasks.map(globToRegExp),
      action: rule.action,
      groups: new Set(rule.groups),
      users: new Set(rule.users),
    }));
  }

  /** True when the caller's permissions are filtered (lists, `can_execute`). */
  applies(principal: Principal | undefined): principal is Principal {
    return this.acl !== undefined && principal !== undefined && !principal.isAdmin;
  }

  get configured(): boolean {
    return this.acl !== undefined;
  }

  /** The permission on a task path (`folder/task`, or the task id when it has no folder). */
  permissionOnPath(principal: Principal | undefined, workspace: string, path: string): AclAction {
    if (!this.applies(principal) || !this.acl) return 'run';
    const email = principal.email.toLowerCase();
    let best: AclAction | undefined;
    for (const rule of this.rules) {
      if (!rule.workspace.test(workspace) || !rule.tasks.some((t) => t.test(path))) continue;
      if (!rule.users.has(email) && !principal.groups.some((g) => rule.groups.has(g))) continue;
      if (best === undefined || RANK[rule.action] > RANK[best]) best = rule.action;
    }
    return best ?? this.acl.default;
  }

  /**
   * The permission on a task of a loaded workspace. A task the workspace no longer has is
   * matched by its id alone (its folder is unknown).
   */
  permission(principal: Principal | undefined, workspace: string, taskId: string): AclAction {
    if (!this.applies(principal)) return 'run';
    return this.permissionOnPath(principal, workspace, this.taskPath(workspace, taskId));
  }

  taskPath(workspace: string, taskId: string): string {
    const tasks = this.workspaces.get(workspace)?.current?.config.tasks;
    const folder = tasks && Object.hasOwn(tasks, taskId) ? tasks[taskId].folder : undefined;
    return folder ? `${folder.replace(/^\/+|\/+$/g, '')}/${taskId}` : taskId;
  }

  /** 404 (with `message`) unless the caller may at least view the task. */
  requireView(
    principal: Principal | undefined,
    workspace: string,
    taskId: string,
    message: string,
  ): AclAction {
    const permission = this.permission(principal, workspace, taskId);
    if (permission === 'deny') throw notFound(message);
    return permission;
  }

  /** 404 when denied, 403 when view-only. */
  requireRun(
    principal: Principal | undefined,
    workspace: string,
    taskId: string,
    message: string,
  ): void {
    if (this.requireView(principal, workspace, taskId, message) !== 'run')
      throw forbidden('You do not have permission to run this task');
  }

  /** Every loaded task the caller may view; undefined when nothing is filtered. */
  visibleTasks(principal: Principal | undefined): VisibleTask[] | undefined {
    if (!this.applies(principal)) return undefined;
    const out: VisibleTask[] = [];
    for (const ws of this.workspaces.list()) {
      for (const task of Object.keys(ws.current?.config.tasks ?? {})) {
        if (this.permission(principal, ws.name, task) !== 'deny')
          out.push({ workspace: ws.name, task });
      }
    }
    return out;
  }
}

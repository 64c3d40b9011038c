import { Module } from '@nestjs/common';
import { WorkspaceRefreshSignal } from './workspace-refresh-signal.service';
import { WorkspaceRegistry } from './workspace-registry.service';

/** Workspace sources, their revisions and tarballs; forced refreshes reach every replica. */
@Module({
  providers: [WorkspaceRegistry, WorkspaceRefreshSignal],
  exports: [WorkspaceRegistry],
})
export class WorkspaceModule {}

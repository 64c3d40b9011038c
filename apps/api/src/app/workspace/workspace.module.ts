import { Module } from '@nestjs/common';
import { WorkspaceRegistry } from './workspace-registry.service';

/** Workspace sources, their revisions and tarballs. */
@Module({ providers: [WorkspaceRegistry], exports: [WorkspaceRegistry] })
export class WorkspaceModule {}

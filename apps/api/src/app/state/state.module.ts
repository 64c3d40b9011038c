import { Module } from '@nestjs/common';
import { WorkspaceModule } from '../workspace/workspace.module';
import { StateSnapshotsService } from './state-snapshots.service';
import { StateUploadController } from './state-upload.controller';
import { StateUploadService } from './state-upload.service';
import { WorkerStateController } from './worker-state.controller';

/** Task and workspace-global state snapshots: worker download/upload, manual uploads. */
@Module({
  imports: [WorkspaceModule],
  controllers: [WorkerStateController, StateUploadController],
  providers: [StateSnapshotsService, StateUploadService],
  exports: [StateSnapshotsService],
})
export class StateModule {}

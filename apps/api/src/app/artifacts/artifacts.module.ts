import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { ArtifactsController } from './artifacts.controller';
import { ArtifactsService } from './artifacts.service';
import { WorkerArtifactsController } from './worker-artifacts.controller';

/** Step artifacts: worker uploads, the job's list and downloads. */
@Module({
  imports: [JobsModule],
  controllers: [WorkerArtifactsController, ArtifactsController],
  providers: [ArtifactsService],
  exports: [ArtifactsService],
})
export class ArtifactsModule {}

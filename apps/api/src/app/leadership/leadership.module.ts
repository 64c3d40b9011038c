import { Module } from '@nestjs/common';
import { LeaderElection } from './leader-election.service';

/** Which replica runs the singleton loops (scheduler, recovery sweep). */
@Module({ providers: [LeaderElection], exports: [LeaderElection] })
export class LeadershipModule {}

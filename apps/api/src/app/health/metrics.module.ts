import { Global, Module } from '@nestjs/common';
import { ServerMetrics } from './server-metrics.service';

/** The process's Prometheus metrics, for every module that counts something. */
@Global()
@Module({ providers: [ServerMetrics], exports: [ServerMetrics] })
export class MetricsModule {}

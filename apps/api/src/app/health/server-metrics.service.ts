import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** This process's `replica_id` label: the host name and a random suffix per process. */
export const REPLICA_ID = `${hostname()}-${randomBytes(4).toString('hex')}`;

/** The loops that run on the leader only (`stroem_background_task_alive{task}`). */
export const BACKGROUND_TASKS = ['scheduler', 'recovery', 'event_source'] as const;
export type BackgroundTask = (typeof BACKGROUND_TASKS)[number];

/**
 * The Prometheus metrics of reference §3.5, in a registry of their own (several apps in one test
 * process must not share one), every series labelled `replica_id`. Counters and histograms
 * count events in this process; the gauges are set at scrape time (`ServerStatus`).
 */
@Injectable()
export class ServerMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'stroem_http_requests_total',
    help: 'Requests to /api/*, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'stroem_http_request_duration_seconds',
    help: 'Time to answer a request to /api/*, by route pattern',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly jobsCreated = new Counter({
    name: 'stroem_jobs_created_total',
    help: 'Jobs created, by source_type (api, trigger, webhook, hook, task, retry, …)',
    labelNames: ['source_type'] as const,
    registers: [this.registry],
  });
  readonly jobsCompleted = new Counter({
    name: 'stroem_jobs_completed_total',
    help: 'Jobs that reached a terminal status, counted once per job, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly leaderStatus = new Gauge({
    name: 'stroem_leader_status',
    help: '1 when this replica holds the leader lock, else 0',
    registers: [this.registry],
  });
  readonly workersActive = new Gauge({
    name: 'stroem_workers_active',
    help: "Workers with status 'active' (heartbeat within recovery.heartbeat_timeout_secs)",
    registers: [this.registry],
  });
  readonly jobsInFlight = new Gauge({
    name: 'stroem_jobs_in_flight',
    help: 'Jobs not yet terminal, by status (pending, running)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly stepsReady = new Gauge({
    name: 'stroem_steps_ready',
    help: 'Steps waiting for a worker (status ready)',
    registers: [this.registry],
  });
  readonly backgroundTaskAlive = new Gauge({
    name: 'stroem_background_task_alive',
    help: 'Leader loops: 1 running, 0 stopped or not on the leader',
    labelNames: ['task'] as const,
    registers: [this.registry],
  });
  readonly dispatchLatency = new Histogram({
    name: 'stroem_dispatch_latency_seconds',
    help: 'From a step becoming claimable (ready, retry delay passed) to a worker claiming it',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly queueDepth = new Histogram({
    name: 'stroem_queue_depth',
    help: 'Ready steps, sampled once per scrape of /metrics',
    buckets: [0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
    registers: [this.registry],
  });

  constructor() {
    this.registry.setDefaultLabels({ replica_id: REPLICA_ID });
  }

  jobCreated(sourceType: string): void {
    this.jobsCreated.inc({ source_type: sourceType });
  }

  /** `readyAt`: when the step became claimable; `claimedAt`: the claim's own timestamp. */
  stepClaimed(readyAt: Date | null, claimedAt: Date | null): void {
    if (!readyAt || !claimedAt) return;
    this.dispatchLatency.observe(Math.max(0, claimedAt.getTime() - readyAt.getTime()) / 1000);
  }
}

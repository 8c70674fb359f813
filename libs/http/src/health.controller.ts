import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { InstanceStats, ReadinessRegistry, type InstanceSnapshot } from '@hookline/observability';
import { Public } from './auth';
import { sharedRun } from './shared-run';

/** How long a readiness answer is reused (probes come every few seconds; a flood gets one run). */
export const READY_REUSE_MS = 1000;

@Controller()
export class HealthController {
  /** The readiness checks, run once for all concurrent callers (they are public). */
  private readonly checkReady: ReadinessRegistry['run'];

  constructor(
    private readonly readiness: ReadinessRegistry,
    private readonly stats: InstanceStats,
  ) {
    this.checkReady = sharedRun(() => this.readiness.run(), READY_REUSE_MS);
  }

  /**
   * Alive: the process answers. With it, what this instance has done (work counters, so
   * replicas can be compared) and how its runtime behaves (memory, GC and event-loop
   * pauses): counts and timings only, nothing about tenants or their data.
   */
  @Public()
  @Get('health')
  @HttpCode(200)
  health(): { status: 'ok'; instance: InstanceSnapshot } {
    return { status: 'ok', instance: this.stats.snapshot() };
  }

  /** Ready: NATS connected, streams and consumers present, PostgreSQL reachable. */
  @Public()
  @Get('ready')
  async ready(@Res() res: Response): Promise<void> {
    const result = await this.checkReady();
    res.status(result.ready ? 200 : 503).json({ status: result.ready ? 'ready' : 'not-ready', checks: result.checks });
  }
}

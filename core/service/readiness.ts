/**
 * Whether the service can do its work now, and why not: what `/readyz` answers and the
 * `argo_ready` gauge reports (alerting reads the gauge, a load balancer the endpoint).
 */
import type { LiveService } from './live-service';

export interface Readiness {
  readonly ready: boolean;
  /** Why not ready, or what a ready service still wants said (degraded, a closed session, no cycle yet). */
  readonly reason?: string;
}

export async function readiness(service: LiveService): Promise<Readiness> {
  const shards = service.run.shards?.runner;
  if (shards?.ready?.() === false) return { ready: false, reason: `ARGO_ERR_QUEUE_UNAVAILABLE: the distributed queue at ${shards.where ?? shards.kind} is not reachable` };
  if ((await shards?.liveWorkers?.()) === 0) {
    return { ready: false, reason: `ARGO_ERR_QUEUE_NO_WORKER: no worker listens on the distributed queue at ${shards!.where ?? shards!.kind}: cycles wait for one up to distributed.timeoutMs` };
  }
  const closed = service.sessionClosed();
  if (closed !== null) return { ready: true, reason: `the session is closed: ${closed}` };
  const [last] = service.history();
  const slotMs = service.slotMs;
  const since = service.now() - (last === undefined ? service.startedAt : Date.parse(last.startedAt));
  if (last?.error != null) return { ready: false, reason: `the last cycle failed: ${last.error}` };
  if (since > 2 * slotMs) return { ready: false, reason: `no cycle for ${Math.round(since / 1000)} s (two slots are ${Math.round((2 * slotMs) / 1000)} s)` };
  // A failing cache slows nothing (texts are written without it): ready, and saying so.
  const degraded = service.run.reasoningCacheProblem;
  if (degraded !== null) return { ready: true, reason: `degraded: ${degraded}` };
  // Ready to take cycles, though none ran yet: said, so a deploy check does not read an empty history as health.
  return last === undefined ? { ready: true, reason: 'waiting for the first cycle (POST /v1/cycles runs one now)' } : { ready: true };
}

/**
 * What a sink throws when a delivery failed: `retryable` when trying again later may succeed
 * (a 429 or 5xx, a timeout, a connection refused), with the wait a peer asked for
 * (`Retry-After`); not retryable when it never will (a 400: the message itself is refused), and
 * the delivery goes to the dead letters at once.
 */
import { ArgoError } from './errors';

export class SinkDeliveryError extends ArgoError {
  readonly retryable: boolean;
  /** The least the peer asked to wait before the next attempt (0: no wish). */
  readonly retryAfterMs: number;

  constructor(message: string, options: { retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super('ARGO_ERR_SINK_DELIVERY', message, { cause: options.cause });
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs ?? 0;
  }
}

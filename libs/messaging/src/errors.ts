/** The handler could not finish now but may later (a dependency is down): nak with a delay. */
export class RetryableError extends Error {
  constructor(message: string, readonly delayMs?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RetryableError';
  }
}

/** The message can never be handled (malformed, impossible): dead-letter it and term. */
export class PoisonMessageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PoisonMessageError';
  }
}

/**
 * Not now, and not the message's fault (its receiver is busy): nak with a delay that
 * never counts toward dead-lettering, however often it happens (ConsumerHost weighs a
 * later failure against the deliveries less the deferrals it settled; one deferred by
 * another replica counts there as an ordinary delivery).
 */
export class DeferredError extends Error {
  constructor(message: string, readonly delayMs: number) {
    super(message);
    this.name = 'DeferredError';
  }
}

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

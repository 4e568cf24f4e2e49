/**
 * The error that every construct in this library throws for invalid input.
 *
 * Its message names the prop, the value that was received, and how to fix it.
 * It is never a `TypeError`: bad input from JavaScript callers (a string where a key
 * was expected, `null` props) is reported the same way.
 */
export class EncryptionValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionValidationError';
    Object.setPrototypeOf(this, EncryptionValidationError.prototype);
  }
}

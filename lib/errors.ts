/**
 * The error that every construct in this library throws for invalid input.
 *
 * Its message names the prop, the value that was received, and how to fix it.
 * It is never a `TypeError`: bad input from JavaScript callers (a string where a key
 * was expected, `null` props) is reported the same way.
 *
 * TypeScript and JavaScript code may use `instanceof EncryptionValidationError`, which holds for
 * errors from this copy of the library, or `EncryptionErrors.isEncryptionValidationError(x)`,
 * which also holds for errors from another copy (the way aws-cdk-lib offers
 * `Errors.isValidationError`). A class that extends `Error` cannot be part of a jsii API, so the
 * class is exported to TypeScript and JavaScript only, as a value and a type. In Python, Java,
 * .NET and Go the error reaches the caller as the jsii runtime's exception, with the same message.
 */
class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionValidationError';
    Object.setPrototypeOf(this, ValidationError.prototype);
    Object.defineProperty(this, VALIDATION_ERROR_SYMBOL, { value: true });
  }
}

/** See `ValidationError` above. TypeScript and JavaScript only. */
export const EncryptionValidationError = ValidationError;
/** See `ValidationError` above. TypeScript and JavaScript only. */
export type EncryptionValidationError = ValidationError;

/**
 * Checks on the errors that this library throws.
 */
export class EncryptionErrors {
  /**
   * Whether `x` is an error that a construct of this library threw for invalid input.
   *
   * It holds for errors from any copy of this library in the app, and needs no `instanceof`.
   */
  public static isEncryptionValidationError(x: any): x is EncryptionValidationError {
    return typeof x === 'object' && x !== null && VALIDATION_ERROR_SYMBOL in x;
  }

  private constructor() {}
}

const VALIDATION_ERROR_SYMBOL = Symbol.for('cdk-s3-encryption.EncryptionValidationError');

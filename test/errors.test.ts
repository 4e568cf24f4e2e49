import { Duration, Errors } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptedBucket, EncryptionErrors, EncryptionKey, EncryptionValidationError } from '../lib';
import { newStack } from './util';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}

describe('EncryptionErrors.isEncryptionValidationError', () => {
  test('holds for the errors the constructs throw, which are also instances of EncryptionValidationError', () => {
    const errors = [
      thrownBy(() => new EncryptionKey(newStack(), 'Key', { pendingWindow: Duration.days(3) })),
      thrownBy(() => new EncryptedBucket(newStack(), 'Bucket', { minimumTLSVersion: 1.1 })),
    ];
    for (const error of errors) {
      expect(EncryptionErrors.isEncryptionValidationError(error)).toBe(true);
      expect(error).toBeInstanceOf(EncryptionValidationError);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('EncryptionValidationError');
    }
  });

  test('does not hold for other errors and values', () => {
    const cdkError = thrownBy(() => new s3.Bucket(newStack(), 'B', { enforceSSL: false, minimumTLSVersion: 1.2 }));
    expect(Errors.isValidationError(cdkError)).toBe(true); // a real aws-cdk-lib validation error
    for (const other of [cdkError, new Error('x'), new TypeError('x'), { name: 'EncryptionValidationError' }, null, undefined, 'EncryptionValidationError']) {
      expect(EncryptionErrors.isEncryptionValidationError(other)).toBe(false);
    }
  });

  test('holds for an error from a second copy of the library, where instanceof does not', () => {
    let OtherCopy: typeof EncryptionValidationError | undefined;
    jest.isolateModules(() => {
      OtherCopy = jest.requireActual('../lib/errors').EncryptionValidationError;
    });
    expect(OtherCopy).toBeDefined();
    expect(OtherCopy).not.toBe(EncryptionValidationError);
    const error = new OtherCopy!('from the other copy');
    expect(error).not.toBeInstanceOf(EncryptionValidationError);
    expect(EncryptionErrors.isEncryptionValidationError(error)).toBe(true);
  });
});

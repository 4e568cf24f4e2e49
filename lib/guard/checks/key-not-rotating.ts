import { Stack, Token } from 'aws-cdk-lib';
import { EncryptionGuardCheck, KeyCheck } from '../check';

/** A customer managed key defined in the app must rotate. */
export const keyNotRotating: KeyCheck = {
  code: EncryptionGuardCheck.KEY_NOT_ROTATING,
  check(key) {
    const cfnKey = key.cfnKey;
    if (!cfnKey || Stack.of(cfnKey).resolve(cfnKey.enableKeyRotation) === true) return undefined;
    return {
      check: EncryptionGuardCheck.KEY_NOT_ROTATING,
      problem: `its customer managed key ${cfnKey.node.path} does not rotate.`,
      fix: 'use an EncryptionKey (always rotates), or set enableKeyRotation: true on the key.',
      notFixed: Token.isUnresolved(cfnKey.enableKeyRotation) ? 'the key\'s EnableKeyRotation is an unresolved token' : undefined,
    };
  },
};

import { EncryptionGuardCheck, KeyCheck } from '../check';

/** A customer managed key defined in the app must rotate. */
export const keyNotRotating: KeyCheck = {
  code: EncryptionGuardCheck.KEY_NOT_ROTATING,
  check(key) {
    const defined = key.defined;
    if (!defined || defined.enableKeyRotation === true) return undefined;
    return {
      check: EncryptionGuardCheck.KEY_NOT_ROTATING,
      problem: `its customer managed key ${defined.name} does not rotate.`,
      fix: 'use an EncryptionKey (always rotates), or set enableKeyRotation: true on the key.',
      notFixed: defined.rotationUnresolved ? 'the key\'s EnableKeyRotation is an unresolved token' : undefined,
    };
  },
};

import { EncryptionGuardCheck, KeyCheck } from '../check';

/** A rule must name its key by the full key ARN, not by key id or alias. */
export const keyNotNamedByArn: KeyCheck = {
  code: EncryptionGuardCheck.KEY_NOT_NAMED_BY_ARN,
  check(key) {
    if (key.kind !== 'keyId' && key.kind !== 'alias') return undefined;
    return {
      check: EncryptionGuardCheck.KEY_NOT_NAMED_BY_ARN,
      problem: `KMSMasterKeyID names the key by ${key.kind === 'keyId' ? 'key id' : 'alias'}, not by its full key ARN.`,
      fix: 'name the key by its ARN (key.keyArn, or Fn::GetAtt <key>.Arn).',
      notFixed: 'EncryptionGuard does not rename keys',
    };
  },
};

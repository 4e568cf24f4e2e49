import { EncryptionGuardCheck, Finding } from '../check';

/*
 * NotInspectable is not a check that a bucket passes or fails: it is what the guard says instead
 * of the other checks when it cannot read the bucket.
 */

/** The bucket is a generic CfnResource, whose properties the guard cannot read. */
export const GENERIC_RESOURCE: Finding = {
  check: EncryptionGuardCheck.NOT_INSPECTABLE,
  problem: 'the bucket is a generic CfnResource, whose properties EncryptionGuard cannot read.',
  fix: 'declare it as an s3.CfnBucket (or an s3.Bucket or EncryptedBucket).',
};

/** The bucket's BucketEncryption is a token. */
export const UNREADABLE_ENCRYPTION: Finding = {
  check: EncryptionGuardCheck.NOT_INSPECTABLE,
  problem: 'BucketEncryption is an unresolved token, which EncryptionGuard cannot read.',
  fix: 'set bucketEncryption as a plain object.',
  notFixed: 'EncryptionGuard does not rewrite a BucketEncryption it cannot read',
};

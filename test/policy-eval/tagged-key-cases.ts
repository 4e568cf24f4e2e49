/**
 * The decision matrix of `requireTaggedKey` (OrganizationEncryptionPolicy): which writes into a
 * member account's buckets the resource control policy must deny, by what the bucket's key-ARN tag
 * says, and which bucket-administration calls its service control policy must deny.
 *
 * Like cases.ts and rcp-cases.ts, this file is pure data: every expected verdict is written down
 * from the S3/IAM semantics, never from the library's output, and it imports neither the library
 * nor the evaluator.
 *
 * What S3 puts in the request context (REQUEST-CONTEXT.md): `s3:BucketTag/<key>` only when the
 * bucket has ABAC on and carries the tag; the key-id key under each reading of cases.ts (the
 * bucket default for a header-less write under the "effective" readings).
 */
import { KEY_ID_READINGS, KeyIdReading, KeyRef, ModeName, Transport, TRANSPORTS, WRITES, WriteRequest } from './cases';
import { keyIdOf } from './request-context';

/** A bucket of a member account: its default encryption, its ABAC status and its key-ARN tag. */
export interface TaggedBucket {
  readonly id: string;
  readonly mode: ModeName;
  /** ABAC on: S3 puts the bucket's tags into the request context. */
  readonly abac: boolean;
  /** Which key the tag names (its full ARN), if the bucket carries the tag. */
  readonly tag?: KeyRef;
}

export const TAGGED_BUCKETS: readonly TaggedBucket[] = [
  // What EncryptedBucket with keyArnTag makes: the tag names the bucket's default key.
  { id: 'KmsTagged', mode: 'kms', abac: true, tag: 'bucket' },
  { id: 'DsseTagged', mode: 'dsseKms', abac: true, tag: 'bucket' },
  // Control: a tag that names another key than the default. Only a policy that really reads the
  // tag's value allows a write naming that other key, and denies a header-less upload whose
  // filled-in key (the default) differs from it.
  { id: 'KmsTaggedOtherKey', mode: 'kms', abac: true, tag: 'other' },
  // Buckets the rule does not judge: no tag, or a tag that S3 does not show (ABAC off).
  { id: 'KmsUntagged', mode: 'kms', abac: true },
  { id: 'KmsTagWithoutAbac', mode: 'kms', abac: false, tag: 'bucket' },
  { id: 'SseS3Untagged', mode: 's3Managed', abac: false },
];

/** Who calls: a role of the member account, or a role of another account that the bucket policy lets in. */
export type TaggedKeyPrincipal = 'memberRole' | 'otherAccountRole';

export interface TaggedKeyCase {
  readonly name: string;
  readonly bucket: TaggedBucket;
  readonly write: WriteRequest;
  readonly transport: Transport;
  readonly principal: TaggedKeyPrincipal;
  readonly reading: KeyIdReading;
  /** Undefined when allowed; otherwise why the RCP denies it. */
  readonly deniedBecause?: string;
}

/** Whether the RCP sees the bucket's tag. */
export function tagVisible(bucket: TaggedBucket): boolean {
  return bucket.abac && bucket.tag !== undefined;
}

const KMS_ALGORITHMS = ['aws:kms', 'aws:kms:dsse'];

/**
 * Why the RCP (`requireTaggedKey`, no other option) denies the write, or undefined:
 * - SSE-C headers: always denied (the RCP's base rule);
 * - on a bucket whose tag S3 shows:
 *   - an algorithm without a KMS key (`AES256`): denied;
 *   - a KMS algorithm without a key id: S3 would use `aws/s3`, not the tagged key: denied (under
 *     the "effective" readings S3 fills in `aws/s3`, which differs from the tag);
 *   - a key id in the context (named, or filled in by S3 under a reading) that is not the tagged
 *     key: denied;
 *   - `UpdateObjectEncryption` to any key but the tagged one: denied;
 * - every other write passes: one that names nothing gets the bucket default.
 */
export function taggedKeyDenial(bucket: TaggedBucket, write: WriteRequest, reading: KeyIdReading): string | undefined {
  if (write.sseC) return 'SSE-C';
  if (!tagVisible(bucket)) return undefined;
  if (write.action === 's3:UpdateObjectEncryption') {
    return write.kmsKey === bucket.tag ? undefined : 're-encryption to another key than the tagged one';
  }
  if (write.sse !== undefined && !KMS_ALGORITHMS.includes(write.sse)) return 'algorithm without a KMS key';
  if (write.sse !== undefined && write.kmsKey === undefined) return 'KMS algorithm without a key id (aws/s3)';
  const key = keyIdOf({ config: { id: bucket.id, mode: bucket.mode }, transport: TRANSPORTS[2], write, reading }, reading);
  if (key !== undefined && key.key !== bucket.tag) return `key ${key.key} is not the tagged key`;
  return undefined;
}

/**
 * The whole RCP matrix: every write of cases.ts into every bucket, by the member role, under every
 * reading (writes naming "the bucket's key" only where the bucket has one: all of these do, save
 * SSE-S3); and the writes into the tagged bucket by a role of another account (an RCP applies to
 * every caller).
 */
export function allTaggedKeyCases(): TaggedKeyCase[] {
  const cases: TaggedKeyCase[] = [];
  const tls12 = TRANSPORTS.find((t) => t.id === 'tls1.2')!;
  const readings = Object.keys(KEY_ID_READINGS) as KeyIdReading[];
  for (const bucket of TAGGED_BUCKETS) {
    for (const write of WRITES) {
      if (write.kmsKey === 'bucket' && bucket.mode === 's3Managed') continue;
      const principals: TaggedKeyPrincipal[] = bucket.id === 'KmsTagged' ? ['memberRole', 'otherAccountRole'] : ['memberRole'];
      for (const principal of principals) {
        for (const reading of readings) {
          const deniedBecause = taggedKeyDenial(bucket, write, reading);
          cases.push({
            name: `${write.action} [${write.id}] into ${bucket.id} by ${principal}, key id ${reading} -> ` +
              (deniedBecause ? `denied (${deniedBecause})` : 'allowed'),
            bucket, write, transport: tls12, principal, reading, deniedBecause,
          });
        }
      }
    }
  }
  return cases;
}

/** The guard's principals: a member role, and a tag administrator (a CloudFormation execution role). */
export type GuardPrincipal = 'memberRole' | 'tagAdmin';

export interface GuardCase {
  readonly name: string;
  readonly principal: GuardPrincipal;
  readonly action: string;
  /** On the bucket, or on an object of it. */
  readonly onObject: boolean;
  /** `aws:TagKeys` of a TagResource / UntagResource. */
  readonly tagKeys?: string[];
  readonly deniedBecause?: string;
}

/** The tag key, as the data file knows it (the library exports the same string). */
export const TAG_KEY = 'cdk-s3-encryption:kms-key-arn';

/**
 * The SCP's matrix. A member role is denied: TagResource/UntagResource whose tag keys include the
 * key-ARN tag (alone or with others); PutBucketTagging (it replaces every tag and names none);
 * PutBucketAbac; PutEncryptionConfiguration. It keeps: tagging with other keys, and data access.
 * A tag administrator is denied nothing.
 */
export function allGuardCases(): GuardCase[] {
  const calls: Array<Omit<GuardCase, 'name' | 'principal' | 'deniedBecause'> & { guarded: string | undefined }> = [
    { action: 's3:TagResource', onObject: false, tagKeys: [TAG_KEY], guarded: 'sets the key-ARN tag' },
    { action: 's3:TagResource', onObject: false, tagKeys: ['team', TAG_KEY], guarded: 'sets the key-ARN tag among others' },
    { action: 's3:TagResource', onObject: false, tagKeys: ['team'], guarded: undefined },
    { action: 's3:UntagResource', onObject: false, tagKeys: [TAG_KEY], guarded: 'removes the key-ARN tag' },
    { action: 's3:UntagResource', onObject: false, tagKeys: ['cost-center', TAG_KEY], guarded: 'removes the key-ARN tag among others' },
    { action: 's3:UntagResource', onObject: false, tagKeys: ['team'], guarded: undefined },
    { action: 's3:PutBucketTagging', onObject: false, guarded: 'replaces every tag' },
    { action: 's3:PutBucketAbac', onObject: false, guarded: 'turns ABAC on or off' },
    { action: 's3:PutEncryptionConfiguration', onObject: false, guarded: 'changes default encryption' },
    { action: 's3:PutObject', onObject: true, guarded: undefined },
    { action: 's3:GetObject', onObject: true, guarded: undefined },
    { action: 's3:DeleteObject', onObject: true, guarded: undefined },
    { action: 's3:ListBucket', onObject: false, guarded: undefined },
    { action: 's3:GetBucketTagging', onObject: false, guarded: undefined },
  ];
  const cases: GuardCase[] = [];
  for (const principal of ['memberRole', 'tagAdmin'] as const) {
    for (const { guarded, ...call } of calls) {
      const deniedBecause = principal === 'memberRole' ? guarded : undefined;
      cases.push({
        name: `${call.action}${call.tagKeys ? ` [${call.tagKeys.join(', ')}]` : ''} by ${principal} -> ` +
          (deniedBecause ? `denied (${deniedBecause})` : 'allowed'),
        principal, ...call, deniedBecause,
      });
    }
  }
  return cases;
}

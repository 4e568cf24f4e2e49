import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { ServerSideEncryption } from '../../server-side-encryption';

/** What the synth-time checks need to know about an EncryptedBucket. */
export interface CompositionFacts {
  /** "EncryptedBucket '<path>'", for messages. */
  readonly owner: string;
  readonly sse: ServerSideEncryption;
  readonly requireEncryptionHeaders: boolean;
  /** The key S3 encrypts with (customer managed modes only). */
  readonly key?: kms.IKey;
  /**
   * How many statements the bucket policy holds that the EncryptedBucket wrote itself (all Deny).
   * When the policy holds no other, the principal checks have nothing to read.
   */
  readonly ownStatementCount: number;
}

const FACTS = new WeakMap<IConstruct, CompositionFacts>();

/** Records the facts of an EncryptedBucket, for the checks of other buckets that refer to it. */
export function recordFacts(bucket: IConstruct, facts: CompositionFacts): void {
  FACTS.set(bucket, facts);
}

/** The facts of an EncryptedBucket (also of a bucket from another copy of this library, by shape). */
export function encryptedBucketFacts(bucket: unknown): { sse: ServerSideEncryption; key?: kms.IKey } | undefined {
  if (typeof bucket !== 'object' || bucket === null) return undefined;
  const known = FACTS.get(bucket as IConstruct);
  if (known) return known;
  const sse = (bucket as { serverSideEncryption?: unknown }).serverSideEncryption;
  if (!ServerSideEncryption.isServerSideEncryption(sse)) return undefined;
  return { sse, key: (bucket as { encryptionKey?: kms.IKey }).encryptionKey };
}

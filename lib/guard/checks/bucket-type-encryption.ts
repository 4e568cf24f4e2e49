import { BUCKET_TYPE_FACTS, BucketType, EncryptionMode, MODE_FACTS } from '../../encryption-mode';
import { EncryptionGuardCheck, Finding } from '../check';

/*
 * The checks of directory, table and vector buckets (`AWS::S3Express::DirectoryBucket`,
 * `AWS::S3Tables::TableBucket`, `AWS::S3Vectors::VectorBucket`). They read the resource as it
 * stands in the template (its type and resolved Properties), so that anything holding a template
 * can run them. Report only: the guard never changes these buckets.
 */

/** One resource as it stands in a template: its type and its resolved Properties. */
export interface TemplateResource {
  readonly type: string;
  readonly properties?: Record<string, any>;
}

/** The bucket type of a CloudFormation type, if it is one of the three. */
export function bucketTypeOf(cfnType: string): BucketType | undefined {
  return (Object.keys(BUCKET_TYPE_FACTS) as BucketType[]).find((type) => BUCKET_TYPE_FACTS[type].cfnType === cfnType);
}

/** Where each type keeps its algorithm and key. */
function encryptionOf(type: BucketType, properties: Record<string, any>): { algorithm: unknown; key: unknown } | 'unreadable' {
  if (type === 'directory') {
    const rules = properties.BucketEncryption?.ServerSideEncryptionConfiguration;
    if (properties.BucketEncryption !== undefined && !Array.isArray(rules)) return 'unreadable';
    const first = Array.isArray(rules) ? rules[0]?.ServerSideEncryptionByDefault : undefined;
    return { algorithm: first?.SSEAlgorithm, key: first?.KMSMasterKeyID };
  }
  const configuration = properties.EncryptionConfiguration;
  if (configuration !== undefined && (typeof configuration !== 'object' || configuration === null)) return 'unreadable';
  return type === 'table'
    ? { algorithm: configuration?.SSEAlgorithm, key: configuration?.KMSKeyArn }
    : { algorithm: configuration?.SseType, key: configuration?.KmsKeyArn };
}

/**
 * The findings of one directory, table or vector bucket: encryption must be stated, and with
 * `requireKms` it must be SSE-KMS with a customer managed key.
 */
export function checkBucketTypeEncryption(resource: TemplateResource, requireKms: boolean): Finding[] {
  const type = bucketTypeOf(resource.type);
  if (!type) return [];
  const facts = BUCKET_TYPE_FACTS[type];
  const encryption = encryptionOf(type, resource.properties ?? {});
  if (encryption === 'unreadable') {
    return [{
      check: EncryptionGuardCheck.NOT_INSPECTABLE,
      problem: `the encryption configuration of this ${facts.description} cannot be read at synth time.`,
      fix: 'set it as a plain object.',
    }];
  }
  const kmsAlgorithm = MODE_FACTS[EncryptionMode.KMS].defaultAlgorithm;
  if (typeof encryption.algorithm !== 'string') {
    return [{
      check: EncryptionGuardCheck.NO_EXPLICIT_ENCRYPTION_RULE,
      problem: `this ${facts.description} does not state its encryption: it relies on the implicit SSE-S3 default.`,
      fix: `use an ${facts.construct}, or state the encryption on the ${resource.type} ` +
        `(${kmsAlgorithm} with a customer managed key ARN, or AES256).`,
    }];
  }
  if (requireKms && (encryption.algorithm !== kmsAlgorithm || encryption.key === undefined)) {
    return [{
      check: EncryptionGuardCheck.KMS_REQUIRED,
      problem: `this ${facts.description} uses ${encryption.algorithm}${encryption.algorithm === kmsAlgorithm ? ' without a key' : ''}, ` +
        'but this guard requires SSE-KMS with a customer managed key.',
      fix: `use an ${facts.construct} with ServerSideEncryption.kms(), or set ${kmsAlgorithm} and a customer managed key ARN.`,
    }];
  }
  return [];
}

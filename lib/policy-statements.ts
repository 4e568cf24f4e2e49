import * as iam from 'aws-cdk-lib/aws-iam';
import { EncryptionMode } from './server-side-encryption';

/** The encryption condition keys of S3 write requests. */
export const SSE_HEADER = 's3:x-amz-server-side-encryption';
export const SSE_KMS_KEY_HEADER = 's3:x-amz-server-side-encryption-aws-kms-key-id';
export const SSE_C_ALGORITHM_HEADER = 's3:x-amz-server-side-encryption-customer-algorithm';

/** The `x-amz-server-side-encryption` value that each mode's uploads may name. */
export const SSE_ALGORITHM: Record<EncryptionMode, string | undefined> = {
  [EncryptionMode.S3_MANAGED]: 'AES256',
  [EncryptionMode.KMS]: 'aws:kms',
  [EncryptionMode.KMS_MANAGED]: 'aws:kms',
  [EncryptionMode.DSSE_KMS]: 'aws:kms:dsse',
  // SSE-C uploads carry x-amz-server-side-encryption-customer-algorithm instead.
  [EncryptionMode.CUSTOMER_PROVIDED]: undefined,
};

/**
 * The stable statement ids of the bucket policy. Each says what the statement denies.
 */
export enum EncryptionPolicySid {
  /** Any request over plain HTTP (`aws:SecureTransport` is false). */
  DENY_INSECURE_TRANSPORT = 'DenyInsecureTransport',
  /** Any request over a TLS version below `minimumTlsVersion`. */
  DENY_OUTDATED_TLS = 'DenyOutdatedTlsVersion',
  /**
   * An upload, replica or re-encryption that names another algorithm than the bucket's mode
   * (requests without the header pass: they get the bucket default).
   */
  DENY_INCORRECT_ENCRYPTION_HEADER = 'DenyIncorrectEncryptionHeader',
  /**
   * An upload or replica whose KMS key id is another key than the bucket's (requests that carry no
   * key id pass this one). For KMS_MANAGED, "the bucket's key" is `aws/s3`.
   */
  DENY_INCORRECT_ENCRYPTION_KEY = 'DenyIncorrectEncryptionKey',
  /** An upload or replica that says `aws:kms` / `aws:kms:dsse` without a key id: S3 would use `aws/s3` instead. */
  DENY_MISSING_ENCRYPTION_KEY_ID = 'DenyMissingEncryptionKeyId',
  /** Every mode but CUSTOMER_PROVIDED: an upload or replica with SSE-C headers. */
  DENY_CUSTOMER_PROVIDED_KEYS = 'DenyCustomerProvidedKeys',
  /** CUSTOMER_PROVIDED: an upload or replica without SSE-C headers. */
  DENY_MISSING_CUSTOMER_PROVIDED_KEY = 'DenyMissingCustomerProvidedKey',
  /**
   * KMS and KMS_MANAGED: `s3:UpdateObjectEncryption` to any key but the bucket's (or `aws/s3`),
   * including a request whose key id S3 did not fill in.
   */
  DENY_UPDATE_OBJECT_ENCRYPTION_TO_OTHER_KEY = 'DenyUpdateObjectEncryptionToOtherKey',
  /**
   * S3_MANAGED, DSSE_KMS and CUSTOMER_PROVIDED: every `s3:UpdateObjectEncryption`, which can only
   * turn objects into single-layer SSE-KMS objects.
   */
  DENY_UPDATE_OBJECT_ENCRYPTION = 'DenyUpdateObjectEncryption',
  /** Strict mode (`requireEncryptionHeaders`): an upload without an encryption header. */
  DENY_UNENCRYPTED_OBJECT_UPLOADS = 'DenyUnencryptedObjectUploads',
}

/** What the bucket policy statements depend on. */
export interface EncryptionPolicyOptions {
  /** The bucket's ARN (a token is fine). */
  readonly bucketArn: string;
  /** The encryption mode. */
  readonly mode: EncryptionMode;
  /** The full ARN of the customer managed key; required for KMS and DSSE_KMS. */
  readonly keyArn?: string;
  /**
   * The ways S3 may name the AWS managed key `aws/s3` of the bucket's account and region (its key
   * ARN, and its alias ARN); required for KMS_MANAGED.
   */
  readonly awsManagedKeyArns?: string[];
  /** Deny uploads that carry no encryption header. */
  readonly requireEncryptionHeaders: boolean;
  /** Deny requests over TLS versions below this one. */
  readonly minimumTlsVersion?: number;
}

/** The write actions whose requests carry the encryption condition keys. */
const PUT = 's3:PutObject';
const REPLICATE = 's3:ReplicateObject';
const UPDATE_ENCRYPTION = 's3:UpdateObjectEncryption';

/**
 * The deny statements of a bucket policy for one encryption mode, in a fixed order.
 *
 * Three actions write encryption: `s3:PutObject` (PutObject, POST, CopyObject and every step of
 * a multipart upload), `s3:ReplicateObject` (replicas keep the source's encryption; the bucket
 * default is not applied) and `s3:UpdateObjectEncryption` (re-encrypts an object in place under
 * an SSE-KMS key it names by full ARN).
 *
 * The statements must be right whichever way S3 fills the key-id condition key: only from the
 * header, or with the key it will actually use (the bucket default for a header-less upload,
 * `aws/s3` for `aws:kms` without a key id). So no statement denies merely because a key id is
 * present: each "wrong value" statement compares the value, and pairs its negated condition with
 * `Null {key: false}` so that it fires only when the key is present (a negated operator alone is
 * also true when the key is absent, and would deny header-less uploads). The one exception is
 * `s3:UpdateObjectEncryption`, which always names its key: there an absent key id is denied.
 *
 * | mode              | wrong algorithm | wrong key id  | aws:kms, no key id | SSE-C    | UpdateObjectEncryption |
 * |-------------------|-----------------|---------------|--------------------|----------|------------------------|
 * | S3_MANAGED        | != AES256       |               |                    | denied   | denied                 |
 * | KMS               | != aws:kms      | != key ARN    | denied             | denied   | only to the key ARN    |
 * | KMS_MANAGED       | != aws:kms      | != aws/s3     | (aws/s3: allowed)  | denied   | only to aws/s3         |
 * | DSSE_KMS          | != aws:kms:dsse | != key ARN    | denied             | denied   | denied                 |
 * | CUSTOMER_PROVIDED | any             |               |                    | required | denied                 |
 */
export function encryptionPolicyStatements(options: EncryptionPolicyOptions): iam.PolicyStatement[] {
  const { bucketArn, mode } = options;
  const objects = `${bucketArn}/*`;
  const statements: iam.PolicyStatement[] = [denyInsecureTransport(bucketArn)];
  if (options.minimumTlsVersion !== undefined) {
    statements.push(deny(EncryptionPolicySid.DENY_OUTDATED_TLS, ['s3:*'], [bucketArn, objects], {
      NumericLessThan: { 's3:TlsVersion': options.minimumTlsVersion },
    }));
  }

  const algorithm = SSE_ALGORITHM[mode];
  if (mode === EncryptionMode.CUSTOMER_PROVIDED) {
    // SSE-C uploads name no server-side algorithm: any that does is not SSE-C.
    statements.push(deny(EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_HEADER, [PUT, REPLICATE], [objects], {
      Null: { [SSE_HEADER]: 'false' },
    }));
    // Every SSE-C request (including each UploadPart) carries the customer algorithm header.
    statements.push(deny(EncryptionPolicySid.DENY_MISSING_CUSTOMER_PROVIDED_KEY, [PUT, REPLICATE], [objects], {
      Null: { [SSE_C_ALGORITHM_HEADER]: 'true' },
    }));
    statements.push(deny(EncryptionPolicySid.DENY_UPDATE_OBJECT_ENCRYPTION, [UPDATE_ENCRYPTION], [objects], undefined));
    return statements;
  }

  // The keys an object may be encrypted under: the bucket's own, or aws/s3 for KMS_MANAGED.
  const allowedKeys = allowedKeyIds(options);
  const reencrypts = allowedKeys !== undefined && mode !== EncryptionMode.DSSE_KMS;

  statements.push(deny(EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_HEADER,
    reencrypts ? [PUT, REPLICATE, UPDATE_ENCRYPTION] : [PUT, REPLICATE], [objects], {
      StringNotEquals: { [SSE_HEADER]: algorithm },
      Null: { [SSE_HEADER]: 'false' },
    }));
  if (allowedKeys !== undefined) {
    statements.push(deny(EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_KEY, [PUT, REPLICATE], [objects], {
      StringNotEquals: { [SSE_KMS_KEY_HEADER]: single(allowedKeys) },
      Null: { [SSE_KMS_KEY_HEADER]: 'false' },
    }));
  }
  if (mode === EncryptionMode.KMS || mode === EncryptionMode.DSSE_KMS) {
    // Read "the header names the algorithm and no key": if S3 fills in aws/s3 instead, the
    // statement above denies the same request.
    statements.push(deny(EncryptionPolicySid.DENY_MISSING_ENCRYPTION_KEY_ID, [PUT, REPLICATE], [objects], {
      StringEquals: { [SSE_HEADER]: algorithm },
      Null: { [SSE_KMS_KEY_HEADER]: 'true' },
    }));
  }
  statements.push(deny(EncryptionPolicySid.DENY_CUSTOMER_PROVIDED_KEYS, [PUT, REPLICATE], [objects], {
    Null: { [SSE_C_ALGORITHM_HEADER]: 'false' },
  }));
  if (reencrypts) {
    // No Null guard: UpdateObjectEncryption always names its key, so a request without a key id
    // is one whose key S3 did not put in the context, and it is denied rather than trusted.
    statements.push(deny(EncryptionPolicySid.DENY_UPDATE_OBJECT_ENCRYPTION_TO_OTHER_KEY, [UPDATE_ENCRYPTION], [objects], {
      StringNotEquals: { [SSE_KMS_KEY_HEADER]: single(allowedKeys) },
    }));
  } else {
    statements.push(deny(EncryptionPolicySid.DENY_UPDATE_OBJECT_ENCRYPTION, [UPDATE_ENCRYPTION], [objects], undefined));
  }
  if (options.requireEncryptionHeaders) {
    statements.push(deny(EncryptionPolicySid.DENY_UNENCRYPTED_OBJECT_UPLOADS, [PUT], [objects], {
      Null: { [SSE_HEADER]: 'true' },
    }));
  }
  return statements;
}

/** The key ids a KMS mode accepts; undefined for modes without KMS. Throws when a required input is missing. */
function allowedKeyIds(options: EncryptionPolicyOptions): string[] | undefined {
  switch (options.mode) {
    case EncryptionMode.KMS:
    case EncryptionMode.DSSE_KMS:
      if (!options.keyArn) throw new Error(`a key ARN is required for ${options.mode}`);
      return [options.keyArn];
    case EncryptionMode.KMS_MANAGED:
      if (!options.awsManagedKeyArns || options.awsManagedKeyArns.length === 0) {
        throw new Error('the ARNs of aws/s3 are required for KMS_MANAGED');
      }
      return options.awsManagedKeyArns;
    default:
      return undefined;
  }
}

function single(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : values;
}

/**
 * Deny every request over plain HTTP, in the exact shape that compliance checkers read
 * (AWS Config s3-bucket-ssl-requests-only, Security Hub S3.5, cdk-nag S3BucketSSLRequestsOnly).
 */
export function denyInsecureTransport(bucketArn: string): iam.PolicyStatement {
  return deny(EncryptionPolicySid.DENY_INSECURE_TRANSPORT, ['s3:*'], [bucketArn, `${bucketArn}/*`], {
    Bool: { 'aws:SecureTransport': 'false' },
  });
}

function deny(sid: string, actions: string[], resources: string[], conditions: Record<string, Record<string, unknown>> | undefined): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.StarPrincipal()],
    actions,
    resources,
    conditions,
  });
}

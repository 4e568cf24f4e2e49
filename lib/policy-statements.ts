import * as iam from 'aws-cdk-lib/aws-iam';
import { EncryptionMode } from './server-side-encryption';

/** Condition keys that S3 sets from upload headers. */
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
  /** An upload that names another algorithm than the bucket's mode (header-less uploads pass). */
  DENY_INCORRECT_ENCRYPTION_HEADER = 'DenyIncorrectEncryptionHeader',
  /** An upload that names another KMS key than the bucket's (uploads without a key id pass this one). */
  DENY_INCORRECT_ENCRYPTION_KEY = 'DenyIncorrectEncryptionKey',
  /** An upload that says `aws:kms` / `aws:kms:dsse` without a key id: S3 would use `aws/s3` instead. */
  DENY_MISSING_ENCRYPTION_KEY_ID = 'DenyMissingEncryptionKeyId',
  /** KMS_MANAGED: an upload that names any key id (only `aws/s3` is wanted). */
  DENY_EXPLICIT_ENCRYPTION_KEY = 'DenyExplicitEncryptionKey',
  /** Every mode but CUSTOMER_PROVIDED: an upload with SSE-C headers. */
  DENY_CUSTOMER_PROVIDED_KEYS = 'DenyCustomerProvidedKeys',
  /** CUSTOMER_PROVIDED: an upload without SSE-C headers. */
  DENY_MISSING_CUSTOMER_PROVIDED_KEY = 'DenyMissingCustomerProvidedKey',
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
  /** Deny uploads that carry no encryption header. */
  readonly requireEncryptionHeaders: boolean;
  /** Deny requests over TLS versions below this one. */
  readonly minimumTlsVersion?: number;
}

/**
 * The deny statements of a bucket policy for one encryption mode, in a fixed order.
 *
 * Every upload is authorized as `s3:PutObject`. The encryption header is sent on PutObject, POST,
 * CopyObject and CreateMultipartUpload, never on UploadPart; clients that rely on the bucket's
 * default encryption (and S3 log delivery) send none. Each "wrong header" statement therefore
 * pairs its negated condition with `Null {key: false}`, so it fires only when the header is
 * present: a negated operator alone is also true when the key is absent.
 *
 * | mode              | wrong algorithm | wrong key | aws:kms without key | any key id | SSE-C headers |
 * |-------------------|-----------------|-----------|---------------------|------------|---------------|
 * | S3_MANAGED        | != AES256       |           |                     |            | denied        |
 * | KMS               | != aws:kms      | != ARN    | denied              |            | denied        |
 * | KMS_MANAGED       | != aws:kms      |           |                     | denied     | denied        |
 * | DSSE_KMS          | != aws:kms:dsse | != ARN    | denied              |            | denied        |
 * | CUSTOMER_PROVIDED | any             |           |                     |            | required      |
 */
export function encryptionPolicyStatements(options: EncryptionPolicyOptions): iam.PolicyStatement[] {
  const { bucketArn, mode, keyArn } = options;
  const objects = `${bucketArn}/*`;
  const statements: iam.PolicyStatement[] = [denyInsecureTransport(bucketArn)];
  if (options.minimumTlsVersion !== undefined) {
    statements.push(deny(EncryptionPolicySid.DENY_OUTDATED_TLS, 's3:*', [bucketArn, objects], {
      NumericLessThan: { 's3:TlsVersion': options.minimumTlsVersion },
    }));
  }

  const algorithm = SSE_ALGORITHM[mode];
  if (mode === EncryptionMode.CUSTOMER_PROVIDED) {
    // SSE-C uploads name no server-side algorithm: any that does is not SSE-C.
    statements.push(denyUpload(EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_HEADER, objects, {
      Null: { [SSE_HEADER]: 'false' },
    }));
    // Every SSE-C request (including each UploadPart) carries the customer algorithm header.
    statements.push(denyUpload(EncryptionPolicySid.DENY_MISSING_CUSTOMER_PROVIDED_KEY, objects, {
      Null: { [SSE_C_ALGORITHM_HEADER]: 'true' },
    }));
    return statements;
  }

  statements.push(denyUpload(EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_HEADER, objects, {
    StringNotEquals: { [SSE_HEADER]: algorithm },
    Null: { [SSE_HEADER]: 'false' },
  }));
  if (mode === EncryptionMode.KMS || mode === EncryptionMode.DSSE_KMS) {
    if (!keyArn) {
      throw new Error(`a key ARN is required for ${mode}`);
    }
    statements.push(denyUpload(EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_KEY, objects, {
      StringNotEquals: { [SSE_KMS_KEY_HEADER]: keyArn },
      Null: { [SSE_KMS_KEY_HEADER]: 'false' },
    }));
    statements.push(denyUpload(EncryptionPolicySid.DENY_MISSING_ENCRYPTION_KEY_ID, objects, {
      StringEquals: { [SSE_HEADER]: algorithm },
      Null: { [SSE_KMS_KEY_HEADER]: 'true' },
    }));
  }
  if (mode === EncryptionMode.KMS_MANAGED) {
    statements.push(denyUpload(EncryptionPolicySid.DENY_EXPLICIT_ENCRYPTION_KEY, objects, {
      Null: { [SSE_KMS_KEY_HEADER]: 'false' },
    }));
  }
  statements.push(denyUpload(EncryptionPolicySid.DENY_CUSTOMER_PROVIDED_KEYS, objects, {
    Null: { [SSE_C_ALGORITHM_HEADER]: 'false' },
  }));
  if (options.requireEncryptionHeaders) {
    statements.push(denyUpload(EncryptionPolicySid.DENY_UNENCRYPTED_OBJECT_UPLOADS, objects, {
      Null: { [SSE_HEADER]: 'true' },
    }));
  }
  return statements;
}

/**
 * Deny every request over plain HTTP, in the exact shape that compliance checkers read
 * (AWS Config s3-bucket-ssl-requests-only, Security Hub S3.5, cdk-nag S3BucketSSLRequestsOnly).
 */
export function denyInsecureTransport(bucketArn: string): iam.PolicyStatement {
  return deny(EncryptionPolicySid.DENY_INSECURE_TRANSPORT, 's3:*', [bucketArn, `${bucketArn}/*`], {
    Bool: { 'aws:SecureTransport': 'false' },
  });
}

function denyUpload(sid: EncryptionPolicySid, objects: string, conditions: Record<string, Record<string, unknown>>): iam.PolicyStatement {
  return deny(sid, 's3:PutObject', [objects], conditions);
}

function deny(sid: string, action: string, resources: string[], conditions: Record<string, Record<string, unknown>>): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.StarPrincipal()],
    actions: [action],
    resources,
    conditions,
  });
}

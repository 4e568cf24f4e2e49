/**
 * The request context that S3 builds for each case of the matrix, under each reading of how it
 * fills the key-id condition key. REQUEST-CONTEXT.md (beside this file) is the written model, with
 * the sources; this is the same model as code.
 *
 * Like cases.ts, this file imports neither the library nor the evaluator.
 */
import { BucketConfig, defaultKeyOf, KeyIdReading, KeyRef, PolicyCase } from './cases';

/** What of a case the request context depends on (the bucket matrix's cases and the RCP matrix's both have it). */
export type RequestShape = Pick<PolicyCase, 'transport' | 'write' | 'reading'> & { readonly config: Pick<BucketConfig, 'id' | 'mode'> };
import { AWS_MANAGED_KEY_ALIAS_ARN, AWS_MANAGED_KEY_ARN, OTHER_ACCOUNT, TEST_ACCOUNT, TEST_PARTITION, TEST_REGION } from './resolve';

/** The ARN of a KMS key that is not the bucket's, in the bucket's account and region. */
export const OTHER_KEY_ARN = `arn:${TEST_PARTITION}:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/00000000-1111-2222-3333-444444444444`;
/** The ARN of a KMS key of another account. */
export const OTHER_ACCOUNT_KEY_ARN = `arn:${TEST_PARTITION}:kms:${TEST_REGION}:${OTHER_ACCOUNT}:key/99999999-8888-7777-6666-555555555555`;

export const SSE = 's3:x-amz-server-side-encryption';
export const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
export const SSE_C_ALGORITHM = 's3:x-amz-server-side-encryption-customer-algorithm';

/**
 * The condition keys of the case's request.
 *
 * - `aws:SecureTransport` always; `s3:TlsVersion` over TLS.
 * - `s3:x-amz-server-side-encryption`: only from what the request names (every reading agrees:
 *   AWS documents the "deny uploads without the header" policy, which works only because S3 does
 *   not fill it from the bucket default).
 * - `s3:x-amz-server-side-encryption-customer-algorithm`: on every SSE-C request.
 * - `s3:x-amz-server-side-encryption-aws-kms-key-id`, by reading:
 *   - `headerOnly`: only what the request names;
 *   - `effectiveKeyArn`: the key S3 will encrypt with: the named key; `aws/s3` for `aws:kms` or
 *     `aws:kms:dsse` without a key id; for a PutObject-family request that names no algorithm, the
 *     bucket default's key (or the multipart upload's, which here is the bucket default); nothing
 *     for SSE-S3 or SSE-C; a replica keeps its source's encryption, so only what it carries;
 *   - `effectiveKeyAliasArn`: as `effectiveKeyArn`, but `aws/s3` appears as its alias ARN.
 */
export function requestContext(c: RequestShape, bucketKeyArn: string | undefined): Record<string, string> {
  const context: Record<string, string> = { 'aws:SecureTransport': String(c.transport.secure) };
  if (c.transport.tlsVersion !== undefined) {
    context['s3:TlsVersion'] = c.transport.tlsVersion.toFixed(1);
  }
  const w = c.write;
  if (!w) return context;
  if (w.sse) {
    context[SSE] = w.sse;
  }
  if (w.sseC) {
    context[SSE_C_ALGORITHM] = 'AES256';
  }
  const key = keyIdOf(c, c.reading);
  if (key !== undefined) {
    context[KEY_ID] = keyArn(key, bucketKeyArn, c.config.id);
  }
  return context;
}

/** The key in the key-id condition key, and whether S3 filled it in (rather than the request naming it). */
export interface KeyIdValue {
  readonly key: KeyRef;
  readonly filledByS3: boolean;
  readonly reading: KeyIdReading;
}

/** Which key the key-id condition key names under a reading, if any. */
export function keyIdOf(c: RequestShape, reading: KeyIdReading): KeyIdValue | undefined {
  const w = c.write!;
  if (w.kmsKey) return { key: w.kmsKey, filledByS3: false, reading };
  if (reading === 'headerOnly' || w.sseC) return undefined;
  if (w.sse === 'aws:kms' || w.sse === 'aws:kms:dsse') return { key: 'awsManaged', filledByS3: true, reading };
  const fallback = w.sse === undefined && w.unnamed !== 'source' ? defaultKeyOf(c.config.mode) : undefined;
  return fallback && { key: fallback, filledByS3: true, reading };
}

function keyArn(value: KeyIdValue, bucketKeyArn: string | undefined, configId: string): string {
  switch (value.key) {
    case 'bucket':
      if (!bucketKeyArn) throw new Error(`${configId} has no key of its own`);
      return bucketKeyArn;
    case 'other': return OTHER_KEY_ARN;
    case 'otherAccount': return OTHER_ACCOUNT_KEY_ARN;
    case 'awsManaged':
      // A request names aws/s3 by its key ARN; S3 may fill it in by its alias ARN under that reading.
      return value.filledByS3 && value.reading === 'effectiveKeyAliasArn' ? AWS_MANAGED_KEY_ALIAS_ARN : AWS_MANAGED_KEY_ARN;
  }
}

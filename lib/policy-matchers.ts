import { SSE_C_ALGORITHM_HEADER } from './policy-statements';
import { isPlainRecord } from './private/validate';

/*
 * Matchers that recognize, in a resolved bucket policy, the statements that
 * policy-statements.ts builds. EncryptionGuard uses them to judge buckets that this library did
 * not build. Each matcher names the builder whose statement it must recognize: a change to one
 * is a change to the other. test/guard.test.ts checks that the guard recognizes what the
 * builders write, and the TLS-only shape against cdk-nag and Control Tower.
 */

/**
 * Tells whether a resolved `Resource` entry is the bucket's ARN or, with `objects`, the ARN of
 * all of its objects (`<bucket ARN>/*`).
 */
export type BucketResourceTest = (resource: unknown, objects: boolean) => boolean;

/**
 * The statement of `denyInsecureTransport()`, in the shape that compliance checkers read: Deny,
 * everyone, `s3:*` (or `*`), on both the bucket and its objects, when `aws:SecureTransport` is
 * `"false"` and on no other condition.
 */
export function isTlsOnlyDeny(statement: unknown, isBucketResource: BucketResourceTest): boolean {
  if (!isDenyToEveryone(statement)) return false;
  const actions = asArray(statement.Action);
  const resources = asArray(statement.Resource);
  return actions.length > 0 && actions.every((a) => a === 's3:*' || a === '*') &&
    resources.some((r) => isBucketResource(r, false)) && resources.some((r) => isBucketResource(r, true)) &&
    JSON.stringify(statement.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } });
}

/**
 * The statement `DenyMissingCustomerProvidedKey` of `encryptionPolicyStatements()` in mode
 * CUSTOMER_PROVIDED: Deny, everyone, uploads to the bucket's objects, when the SSE-C algorithm
 * header is absent, on no other condition.
 */
export function isSseCRequiredDeny(statement: unknown, isBucketResource: BucketResourceTest): boolean {
  if (!isDenyToEveryone(statement)) return false;
  const condition = statement.Condition;
  const nullValue = isPlainRecord(condition) && Object.keys(condition).length === 1 && isPlainRecord(condition.Null) &&
    Object.keys(condition.Null).length === 1 ? condition.Null[SSE_C_ALGORITHM_HEADER] : undefined;
  return (nullValue === 'true' || nullValue === true) &&
    asArray(statement.Action).some((a) => a === 's3:PutObject' || a === 's3:*' || a === '*') &&
    asArray(statement.Resource).some((r) => isBucketResource(r, true));
}

/**
 * The values an upload must name in `conditionKey` by a statement like `DenyIncorrectEncryptionHeader`
 * (`conditionKey` `s3:x-amz-server-side-encryption`) or `DenyIncorrectEncryptionKey`
 * (`s3:x-amz-server-side-encryption-aws-kms-key-id`) of `encryptionPolicyStatements()`: Deny,
 * everyone, uploads to the bucket's objects, when `StringNotEquals` the values. Undefined for any
 * other statement.
 */
export function requiredUploadValues(statement: unknown, isBucketResource: BucketResourceTest, conditionKey: string): unknown[] | undefined {
  if (!isDenyToEveryone(statement)) return undefined;
  const notEquals = isPlainRecord(statement.Condition) ? statement.Condition.StringNotEquals : undefined;
  if (!isPlainRecord(notEquals) || notEquals[conditionKey] === undefined) return undefined;
  if (!asArray(statement.Action).some((a) => a === 's3:PutObject' || a === 's3:*' || a === '*')) return undefined;
  if (!asArray(statement.Resource).some((r) => isBucketResource(r, true))) return undefined;
  return asArray(notEquals[conditionKey]);
}

/** A Deny for every principal, with no NotPrincipal, NotAction or NotResource to narrow it. */
function isDenyToEveryone(statement: unknown): statement is Record<string, any> {
  return isPlainRecord(statement) && statement.Effect === 'Deny' && isEveryone(statement.Principal) &&
    statement.NotPrincipal === undefined && statement.NotAction === undefined && statement.NotResource === undefined;
}

function isEveryone(principal: unknown): boolean {
  return principal === '*' || (isPlainRecord(principal) && Object.keys(principal).length === 1 && asArray(principal.AWS).includes('*'));
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionMode, MODE_FACTS, usesKms } from '../../encryption-mode';
import { EncryptionValidationError } from '../../errors';
import { CompositionFacts } from './facts';
import { asArray } from './util';

/** The id of the warning on a kmsManaged() bucket shared with an account that may be another one. */
export const AWS_MANAGED_KEY_SHARED_WARNING = '@cdk-s3-encryption/bucket:awsManagedKeyShared';

/**
 * Allow statements of the bucket policy that give object access to someone who cannot use the
 * bucket's key: another account or CloudFront with `aws/s3` (its key policy cannot be edited), a
 * legacy origin access identity with any KMS key, anyone anonymous with any KMS key, CloudFront
 * with SSE-C (it cannot send the customer's key).
 */
export function checkPolicyPrincipals(bucket: s3.Bucket, facts: CompositionFacts): void {
  const document = bucket.policy?.document;
  if (!document || document.statementCount === facts.ownStatementCount) return;
  const stack = Stack.of(bucket);
  // Effect is plain text before resolution: resolve only the Allow statements (the bucket's own
  // statements are all Deny, and resolving them for every bucket would cost synth time).
  const raw = document.toJSON()?.Statement;
  const allows = asArray(raw).filter((statement: any) => statement?.Effect !== 'Deny');
  if (allows.length === 0) return;
  const statements: any[] = stack.resolve(allows);
  const mode = facts.sse.mode;
  const account = Token.isUnresolved(stack.account) ? undefined : stack.account;

  for (const statement of statements) {
    if (statement?.Effect !== 'Allow' || !asArray(statement.Action).some(isObjectDataAction)) continue;
    const principal = statement.Principal;
    const services = principalValues(principal, 'Service');
    const aws = principalValues(principal, 'AWS');
    const canonical = principalValues(principal, 'CanonicalUser');
    const sid = statement.Sid ? ` (Sid ${statement.Sid})` : '';

    if (services.includes('cloudfront.amazonaws.com')) {
      if (MODE_FACTS[mode].key === 'awsManaged') {
        throw new EncryptionValidationError(`${facts.owner}: CloudFront is allowed to read the objects${sid}, but ` +
          'serverSideEncryption is ServerSideEncryption.kmsManaged(): the key policy of the AWS managed key aws/s3 cannot ' +
          'be edited, so CloudFront can never decrypt them. Use ServerSideEncryption.kms() (origin access control then adds ' +
          'cloudfront.amazonaws.com to the key policy, limited to the distributions of this account: aws:SourceArn ' +
          'distribution/*) or ServerSideEncryption.s3Managed().');
      }
      if (mode === EncryptionMode.CUSTOMER_PROVIDED) {
        throw new EncryptionValidationError(`${facts.owner}: CloudFront is allowed to read the objects${sid}, but ` +
          'serverSideEncryption is ServerSideEncryption.customerProvided(): CloudFront cannot send the SSE-C key that every ' +
          'read needs. Serve a bucket in another mode.');
      }
    }
    if (canonical.length > 0 && usesKms(mode)) {
      throw new EncryptionValidationError(`${facts.owner}: a CloudFront origin access identity (CanonicalUser) is allowed to ` +
        `read the objects${sid}, but serverSideEncryption is ${mode}: an origin access identity cannot use KMS keys. Use ` +
        'cloudfront_origins.S3BucketOrigin.withOriginAccessControl(bucket) instead of withOriginAccessIdentity.');
    }
    if ((principal === '*' || aws.includes('*')) && statement.Condition === undefined && usesKms(mode)) {
      throw new EncryptionValidationError(`${facts.owner}: the bucket policy allows anyone to use the objects${sid}, but ` +
        `serverSideEncryption is ${mode}: anonymous requests cannot use a KMS key. Remove the public grant ` +
        '(grantPublicAccess) and serve the objects through CloudFront with origin access control.');
    }
    if (MODE_FACTS[mode].key === 'awsManaged') {
      for (const entry of aws) {
        const other = accountOf(entry);
        if (other === undefined || other === 'self') continue;
        if (account !== undefined && other !== account) {
          throw new EncryptionValidationError(`${facts.owner}: the bucket policy allows account ${other} to use the ` +
            `objects${sid}, but serverSideEncryption is ServerSideEncryption.kmsManaged(): the key policy of the AWS ` +
            'managed key aws/s3 cannot be edited, so no other account can ever decrypt them. Use ServerSideEncryption.kms() ' +
            '(the grant then adds that account to the key policy too).');
        }
        if (account === undefined) {
          Annotations.of(bucket).addWarningV2(AWS_MANAGED_KEY_SHARED_WARNING, `The bucket policy allows account ${other} to ` +
            `use the objects${sid}, and serverSideEncryption is ServerSideEncryption.kmsManaged(). If ${other} is not the ` +
            'account this stack deploys to, it can never decrypt them (the key policy of aws/s3 cannot be edited): use ' +
            'ServerSideEncryption.kms(). Acknowledge with ' +
            `Annotations.of(bucket).acknowledgeWarning('${AWS_MANAGED_KEY_SHARED_WARNING}') if it is the same account.`);
        }
      }
    }
  }
}

/** Actions that read or write object data (and so need the bucket's key). */
function isObjectDataAction(action: unknown): boolean {
  return typeof action === 'string' && /^(\*|s3:\*|s3:Get\*|s3:Put\*|s3:GetObject.*|s3:PutObject.*|s3:Replicate.*)$/.test(action);
}

function principalValues(principal: unknown, kind: string): unknown[] {
  if (typeof principal !== 'object' || principal === null) return [];
  return asArray((principal as Record<string, unknown>)[kind]);
}

/** The 12-digit account of an AWS principal, 'self' when it is the stack's own (a Ref to AWS::AccountId). */
function accountOf(entry: unknown): string | 'self' | undefined {
  const text = JSON.stringify(entry);
  if (text.includes('"AWS::AccountId"')) return 'self';
  const match = /^"?(\d{12})"?$/.exec(text) ?? /:iam::(\d{12}):/.exec(text);
  return match ? match[1] : undefined;
}

import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { EncryptionMode, isKmsAlgorithm, MODE_FACTS, ModeKey, modeOfRule } from '../encryption-mode';
import { isTlsOnlyDeny } from '../policy-matchers';
import { denyInsecureTransport, encryptionPolicyStatements, EncryptionPolicySid } from '../policy-statements';
import { AWS_MANAGED_KEY_LOOKUP_ID, AWS_MANAGED_KEY_LOOKUP_TYPE, awsManagedS3KeyArns } from '../private/aws-managed-key';
import { isPlainRecord } from '../private/validate';
import { analyzeKey, BucketPolicies, KeyReference, l2BucketOf } from './facts';
import { addInfo } from './report';

/*
 * What `remediate: true` fixes, and why it leaves the rest. It never changes the encryption mode.
 */

/** What S3 applies to a bucket whose rule names no algorithm: SSE-S3. */
const S3_DEFAULT_ALGORITHM = MODE_FACTS[EncryptionMode.S3_MANAGED].defaultAlgorithm;

/**
 * Fixes what can be fixed safely on a bucket that is not an EncryptedBucket: an explicit rule
 * (SSE-S3 if there was none) with SSE-C blocked or explicitly allowed, rotation on for a key
 * defined in the app, and, on an L2 bucket, the deny statements of an EncryptedBucket of its
 * mode. Returns why the rest was left alone (for the report). Says what it changed in one info
 * annotation on the bucket, and in one on each custom resource it added.
 */
export function remediate(bucket: s3.CfnBucket, l2Bucket: s3.Bucket | undefined, customerProvided: boolean,
  bucketPolicies: BucketPolicies): string[] {
  const changes: string[] = [];
  const notFixed = remediateBucket(bucket, l2Bucket, customerProvided, bucketPolicies, changes);
  if (changes.length > 0) {
    addInfo(bucket, `EncryptionGuard (remediate) changed this bucket: ${changes.join('; ')}.`);
  }
  return notFixed;
}

function remediateBucket(bucket: s3.CfnBucket, l2Bucket: s3.Bucket | undefined, customerProvided: boolean,
  bucketPolicies: BucketPolicies, changes: string[]): string[] {
  const notFixed: string[] = [];
  const blocked = customerProvided ? 'NONE' : 'SSE-C';

  // The rule: explicit (SSE-S3 if there was none), with SSE-C blocked or explicitly allowed.
  const raw: unknown = bucket.bucketEncryption;
  const rawRules = isPlainRecord(raw) ? raw.serverSideEncryptionConfiguration : undefined;
  let algorithm: string | undefined;
  let rawKey: unknown;
  if (raw === undefined) {
    algorithm = S3_DEFAULT_ALGORITHM;
    bucket.bucketEncryption = {
      serverSideEncryptionConfiguration: [{
        serverSideEncryptionByDefault: { sseAlgorithm: algorithm },
        blockedEncryptionTypes: { encryptionType: [blocked] },
      }],
    };
    changes.push(`added a default-encryption rule: SSE-S3 (${algorithm}), BlockedEncryptionTypes ${blocked}`);
  } else if (isPlainRecord(raw) && Array.isArray(rawRules) && rawRules.length === 1 && isPlainRecord(rawRules[0]) &&
      isPlainRecordOrUndefined(rawRules[0].serverSideEncryptionByDefault) &&
      !Token.isUnresolved(rawRules[0].serverSideEncryptionByDefault?.sseAlgorithm)) {
    const rule = rawRules[0];
    const byDefault = (rule.serverSideEncryptionByDefault ?? {}) as Record<string, unknown>;
    algorithm = (byDefault.sseAlgorithm as string | undefined) ?? S3_DEFAULT_ALGORITHM;
    rawKey = byDefault.kmsMasterKeyId;
    bucket.bucketEncryption = {
      ...raw,
      serverSideEncryptionConfiguration: [{
        ...rule,
        serverSideEncryptionByDefault: { ...byDefault, sseAlgorithm: algorithm },
        blockedEncryptionTypes: { encryptionType: [blocked] },
      }],
    };
    if (byDefault.sseAlgorithm === undefined) {
      changes.push(`made the default-encryption rule explicit: SSEAlgorithm ${algorithm} (SSE-S3, what S3 applies to a rule without one)`);
    }
    if (!sameBlockedTypes(rule.blockedEncryptionTypes, blocked)) {
      changes.push(`set the rule's BlockedEncryptionTypes to ${blocked}`);
    }
  } else {
    notFixed.push('its BucketEncryption is not one plain rule (a token, or several rules), which EncryptionGuard does not rewrite');
  }

  // Rotation for a customer managed key defined in the app.
  const key = algorithm === undefined ? undefined : analyzeKey(bucket, rawKey, Stack.of(bucket).resolve(rawKey));
  if (key?.cfnKey && !Token.isUnresolved(key.cfnKey.enableKeyRotation) && key.cfnKey.enableKeyRotation !== true) {
    key.cfnKey.enableKeyRotation = true;
    changes.push(`turned on rotation of the key '${pathOf(key.cfnKey)}'`);
  }

  // The bucket policy: only for an L2 bucket, whose policy is an L2 BucketPolicy (or none yet).
  if (!l2Bucket) {
    return notFixed;
  }
  const policies = bucketPolicies.policies();
  let add: ((statement: iam.PolicyStatement) => boolean) | undefined;
  if (policies.length === 0) {
    add = (statement) => {
      const added = l2Bucket.addToResourcePolicy(statement).statementAdded;
      bucketPolicies.changed();
      return added;
    };
  } else if (policies.length === 1 && policies[0].node.scope instanceof s3.BucketPolicy) {
    const document = policies[0].node.scope.document;
    add = (statement) => {
      document.addStatements(statement);
      bucketPolicies.changed();
      return true;
    };
  }
  if (!add) {
    return notFixed; // the policy findings say why
  }
  const sids = bucketPolicies.sids();
  const hasTlsDeny = bucketPolicies.some(isTlsOnlyDeny);
  const added: string[] = [];
  for (const statement of policyStatementsFor(l2Bucket, l2Bucket.bucketArn, customerProvided, algorithm, rawKey, key, l2Bucket.node.path)) {
    const sid = statement.sid;
    if (sid === EncryptionPolicySid.DENY_INSECURE_TRANSPORT && hasTlsDeny) continue;
    if (sid !== undefined && sids.has(sid)) continue;
    if (!add(statement)) {
      notFixed.push('its bucket policy cannot be created');
      break;
    }
    added.push(sid ?? 'a statement without Sid');
  }
  if (added.length > 0) {
    changes.push(`added to its bucket policy ${added.join(', ')}`);
  }
  return notFixed;
}

/** Why remediation writes no policy statements for this bucket. */
export function policyNotFixedReason(bucket: s3.CfnBucket, policies: s3.CfnBucketPolicy[]): string {
  if (!l2BucketOf(bucket)) {
    return 'EncryptionGuard writes no policy statements for an L1 CfnBucket (its policy may live elsewhere, and a second ' +
      'policy would replace it)';
  }
  if (policies.length > 1) {
    return `${policies.length} bucket policies target the bucket (${policies.map((p) => p.node.path).join(', ')}); only one takes effect`;
  }
  if (policies.length === 1 && !(policies[0].node.scope instanceof s3.BucketPolicy)) {
    return `its bucket policy is the L1 CfnBucketPolicy ${policies[0].node.path}, whose document EncryptionGuard does not edit`;
  }
  return 'its bucket policy cannot be changed';
}

/**
 * The statements that an `EncryptedBucket` of this mode has. With the AWS managed DSSE key (a
 * mode `EncryptedBucket` does not offer) or a key not named by ARN, only the TLS-only deny.
 */
function policyStatementsFor(scope: IConstruct, bucketArn: string, customerProvided: boolean, algorithm: string | undefined,
  rawKey: unknown, key: KeyReference | undefined, bucketPath: string): iam.PolicyStatement[] {
  const keyArn = typeof rawKey === 'string' && key && (key.kind === 'cfnKey' || key.kind === 'literalArn' || key.kind === 'unknown')
    ? rawKey : undefined;
  const mode = modeOfRule(algorithm, ruleKey(algorithm, key, keyArn), customerProvided);
  if (mode === undefined) {
    return [denyInsecureTransport(bucketArn)];
  }
  const awsManagedKeyArns = MODE_FACTS[mode].key === 'awsManaged' ? awsManagedKeyArnsSaying(scope, bucketPath) : undefined;
  return encryptionPolicyStatements({ bucketArn, mode, keyArn, awsManagedKeyArns, requireEncryptionHeaders: false });
}

/**
 * Which key a rule's KMSMasterKeyID stands for, in the table's terms: an SSE-S3 rule has none
 * (whatever it names), a KMS rule without one uses aws/s3, one that names a key by ARN a customer
 * managed key; any other name (an alias, a bare key id) matches no mode.
 */
function ruleKey(algorithm: string | undefined, key: KeyReference | undefined, keyArn: string | undefined): ModeKey | 'unnamed' {
  if (!isKmsAlgorithm(algorithm)) return 'none';
  if (key?.kind === 'none') return 'awsManaged';
  return keyArn ? 'customerManaged' : 'unnamed';
}

/**
 * The ARNs of aws/s3 for a bucket's policy, from the stack's lookup; when this call adds the
 * lookup (a Lambda-backed custom resource), an info annotation on it says so and why.
 */
function awsManagedKeyArnsSaying(scope: IConstruct, bucketPath: string): string[] {
  const stack = Stack.of(scope);
  const existed = stack.node.tryFindChild(AWS_MANAGED_KEY_LOOKUP_ID) !== undefined;
  const arns = awsManagedS3KeyArns(scope);
  if (!existed) {
    addInfo(stack.node.findChild(AWS_MANAGED_KEY_LOOKUP_ID), 'EncryptionGuard (remediate) added this custom resource ' +
      `(${AWS_MANAGED_KEY_LOOKUP_TYPE}) for the bucket '${bucketPath}', whose rule uses the AWS managed key aws/s3: when ` +
      'the stack deploys, a Lambda function calls KMS DescribeKey on alias/aws/s3, so that the bucket policy can deny any ' +
      'other key. It adds the function, its IAM role (kms:DescribeKey only) and a log group, once per stack; deploying it ' +
      'needs the stack\'s file assets (cdk deploy into a bootstrapped environment).');
  }
  return arns;
}

/** Whether a rule's BlockedEncryptionTypes already is exactly [blocked]. */
function sameBlockedTypes(value: unknown, blocked: string): boolean {
  const types = isPlainRecord(value) ? value.encryptionType : undefined;
  return Array.isArray(types) && types.length === 1 && types[0] === blocked;
}

/** The path of the construct an L1 resource stands for (its L2 parent when it is the default child). */
function pathOf(resource: IConstruct): string {
  const parent = resource.node.scope;
  return parent && parent.node.defaultChild === resource ? parent.node.path : resource.node.path;
}

function isPlainRecordOrUndefined(value: unknown): boolean {
  return value === undefined || isPlainRecord(value);
}

import { CfnResource, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { EncryptionMode } from '../encryption-mode';
import { BucketResourceTest } from '../policy-matchers';
import { isPlainRecord } from '../private/validate';
import { ServerSideEncryption } from '../server-side-encryption';
import { AppIndex } from './app-index';
import { BucketView, classifyKeyName, isLiteralBucketArn, KeyKind, KeyView, PolicyView, RuleView, statementsOf } from './bucket-view';
import { logDeliveryReason } from './log-delivery';
import { policyNotFixedReason } from './remediation';

/*
 * What EncryptionGuard reads from the constructs of one bucket: its encryption rules, the keys
 * they name, and its bucket policies, as the view that the checks read (bucket-view.ts). Nothing
 * here judges or changes anything.
 */

/** One default encryption rule, with its key name as written and resolved. */
interface RuleFacts extends RuleView {
  /** `KMSMasterKeyID` as written (a token stays a token, so a reference to a key can be followed). */
  readonly rawKey?: unknown;
}

/** What a rule's KMSMasterKeyID refers to. */
export interface KeyReference {
  readonly kind: KeyKind;
  /** The key, when it is defined in the app. */
  readonly cfnKey?: kms.CfnKey;
}

/**
 * The view of a bucket as it is now, for the checks; call again after remediation to see the
 * fixed bucket. `logDeliveryScopes` are the guard's `logDeliveryBuckets`.
 */
export function readBucketView(bucket: s3.CfnBucket, policies: BucketPolicies, customerProvided: boolean,
  logDeliveryScopes: readonly IConstruct[]): BucketView {
  const encryption = readEncryption(bucket);
  const keys = encryption.readable ? encryption.rules.map((r) => keyView(analyzeKey(bucket, r.rawKey, r.key))) : [];
  return {
    resourceType: bucket.cfnResourceType,
    encryption: {
      readable: encryption.readable,
      rules: encryption.rules.map(({ algorithm, key, blocked }) => ({ algorithm, key, blocked })),
    },
    keys,
    policy: policies,
    customerProvided,
    logDeliveryReason: () => {
      const scopes = bucket.node.scopes;
      if (logDeliveryScopes.some((scope) => scopes.includes(scope))) return 'it is listed in logDeliveryBuckets';
      return logDeliveryReason(policies.statements(), () => logSourceName(bucket));
    },
    policyNotFixedReason: () => policyNotFixedReason(bucket, policies.policies()),
  };
}

/** The key as the checks see it: a key defined in the app by its construct path. */
function keyView(reference: KeyReference): KeyView {
  const cfnKey = reference.cfnKey;
  if (!cfnKey) return { kind: reference.kind };
  const stack = Stack.of(cfnKey);
  return {
    kind: reference.kind,
    defined: {
      name: cfnKey.node.path,
      enableKeyRotation: stack.resolve(cfnKey.enableKeyRotation),
      rotationUnresolved: Token.isUnresolved(cfnKey.enableKeyRotation),
      policyStatements: () => statementsOf(stack.resolve(cfnKey.keyPolicy instanceof iam.PolicyDocument
        ? cfnKey.keyPolicy.toJSON() : cfnKey.keyPolicy)),
    },
  };
}

/** The bucket of the app (or itself) that delivers its S3 server access logs to this bucket, by path. */
function logSourceName(bucket: s3.CfnBucket): string | undefined {
  const source = AppIndex.of(bucket).logSourcesOf(bucket)[0];
  if (!source) return undefined;
  return source === bucket ? 'itself' : (source.node.scope ?? source).node.path;
}

/** The s3.Bucket whose default child this CfnBucket is. */
export function l2BucketOf(bucket: s3.CfnBucket): s3.Bucket | undefined {
  const scope = bucket.node.scope;
  return scope instanceof s3.Bucket && scope.node.defaultChild === bucket ? scope : undefined;
}

/**
 * Whether the bucket is meant for SSE-C: an SSE-C `EncryptedBucket`, or in one of the scopes listed
 * in `customerProvidedBuckets`.
 */
export function isMeantForSseC(bucket: IConstruct, customerProvidedScopes: readonly IConstruct[]): boolean {
  const l2Bucket = bucket instanceof s3.CfnBucket ? l2BucketOf(bucket) : undefined;
  if (l2Bucket && isEncryptedBucket(l2Bucket) && l2Bucket.serverSideEncryption.mode === EncryptionMode.CUSTOMER_PROVIDED) {
    return true;
  }
  const scopes = bucket.node.scopes;
  return customerProvidedScopes.some((scope) => scopes.includes(scope));
}

/** Whether the L2 bucket is an `EncryptedBucket` (of any copy of this library). */
export function isEncryptedBucket(bucket: s3.Bucket): bucket is s3.Bucket & { serverSideEncryption: ServerSideEncryption } {
  return ServerSideEncryption.isServerSideEncryption((bucket as { serverSideEncryption?: unknown }).serverSideEncryption);
}

function readEncryption(bucket: s3.CfnBucket): { readable: boolean; rules: RuleFacts[] } {
  const raw: unknown = bucket.bucketEncryption;
  if (raw === undefined) return { readable: true, rules: [] };
  const resolved = Stack.of(bucket).resolve(raw);
  const resolvedRules = isPlainRecord(resolved) ? resolved.serverSideEncryptionConfiguration : undefined;
  if (!Array.isArray(resolvedRules)) return { readable: false, rules: [] };
  const rawRules = isPlainRecord(raw) && Array.isArray(raw.serverSideEncryptionConfiguration) ? raw.serverSideEncryptionConfiguration : [];
  return {
    readable: true,
    rules: resolvedRules.map((rule: any, i: number) => {
      const rawRule = rawRules[i];
      const rawDefault = isPlainRecord(rawRule) && isPlainRecord(rawRule.serverSideEncryptionByDefault)
        ? rawRule.serverSideEncryptionByDefault : undefined;
      const blocked = rule?.blockedEncryptionTypes?.encryptionType;
      return {
        algorithm: rule?.serverSideEncryptionByDefault?.sseAlgorithm,
        key: rule?.serverSideEncryptionByDefault?.kmsMasterKeyId,
        rawKey: rawDefault ? rawDefault.kmsMasterKeyId : rule?.serverSideEncryptionByDefault?.kmsMasterKeyId,
        blocked: Array.isArray(blocked) ? blocked : undefined,
      };
    }),
  };
}

/** Follows a KMSMasterKeyID to the key it names: by reference, by literal value, or by logical id. */
export function analyzeKey(bucket: s3.CfnBucket, raw: unknown, resolved: unknown): KeyReference {
  if (raw === undefined && resolved === undefined) return { kind: 'none' };
  if (Token.isUnresolved(raw)) {
    const reference = Tokenization.reverse(raw, { failConcat: false });
    if (reference instanceof Reference && CfnResource.isCfnResource(reference.target)) {
      const target = reference.target;
      if (target instanceof kms.CfnKey) {
        return { kind: reference.displayName === 'Arn' ? 'cfnKey' : 'keyId', cfnKey: target };
      }
      if (target.cfnResourceType === 'AWS::KMS::Alias') return { kind: 'alias' };
    }
  }
  const { kind, logicalId } = classifyKeyName(resolved);
  if (logicalId === undefined) return { kind };
  // An intrinsic written by hand: look the key up by logical id in the bucket's stack.
  const cfnKey = AppIndex.of(bucket).keyByLogicalId(Stack.of(bucket), logicalId);
  return cfnKey ? { kind, cfnKey } : { kind: 'unknown' };
}

/**
 * The bucket policies of one bucket while the guard judges it: found once in the app's index,
 * their statements resolved once, until remediation changes them (`changed()`).
 */
export class BucketPolicies implements PolicyView {
  private found?: s3.CfnBucketPolicy[];
  private resolved?: Array<{ readonly policy: s3.CfnBucketPolicy; readonly statement: unknown }>;
  private readonly tests = new Map<Stack, BucketResourceTest>();

  constructor(private readonly bucket: s3.CfnBucket, private readonly l2Bucket: s3.Bucket | undefined) {}

  /** Every CfnBucketPolicy in the app whose Bucket is this bucket, in construct-tree order. */
  public policies(): s3.CfnBucketPolicy[] {
    this.found ??= AppIndex.of(this.bucket).policiesOf(this.bucket, this.l2Bucket);
    return this.found;
  }

  /** Their statements, resolved. */
  public statements(): unknown[] {
    return this.statementsWithPolicy().map(({ statement }) => statement);
  }

  /** Whether any statement matches, its Resource entries compared with this bucket's ARNs. */
  public some(matches: (statement: unknown, isBucketResource: BucketResourceTest) => boolean): boolean {
    return this.statementsWithPolicy().some(({ policy, statement }) => matches(statement, this.resourceTest(policy)));
  }

  /** To be called after a statement was added to a policy of the bucket, or a policy created. */
  public changed(): void {
    const created = this.l2Bucket?.policy?.node.defaultChild;
    if (created instanceof s3.CfnBucketPolicy) AppIndex.of(this.bucket).addPolicy(created);
    this.found = undefined;
    this.resolved = undefined;
  }

  private statementsWithPolicy(): Array<{ readonly policy: s3.CfnBucketPolicy; readonly statement: unknown }> {
    this.resolved ??= this.policies().flatMap((policy) => resolvedStatements(policy).map((statement) => ({ policy, statement })));
    return this.resolved;
  }

  private resourceTest(policy: s3.CfnBucketPolicy): BucketResourceTest {
    const stack = Stack.of(policy);
    let test = this.tests.get(stack);
    if (!test) {
      test = bucketResourceTest(this.bucket, stack);
      this.tests.set(stack, test);
    }
    return test;
  }
}

/** Compares Resource entries with the bucket's ARNs as a policy of `stack` writes them, resolved once. */
function bucketResourceTest(bucket: s3.CfnBucket, stack: Stack): BucketResourceTest {
  let expected: { bucket: string; objects: string } | undefined;
  const name = bucket.bucketName;
  const literalName = typeof name === 'string' && !Token.isUnresolved(name) ? name : undefined;
  return (resource, objects) => {
    expected ??= {
      bucket: JSON.stringify(stack.resolve(bucket.attrArn)),
      objects: JSON.stringify(stack.resolve(`${bucket.attrArn}/*`)),
    };
    if (JSON.stringify(resource) === (objects ? expected.objects : expected.bucket)) return true;
    return literalName !== undefined && isLiteralBucketArn(resource, literalName, objects);
  };
}

/** The statements of a bucket policy, resolved, without freezing or merging an L2 document. */
function resolvedStatements(policy: s3.CfnBucketPolicy): unknown[] {
  const document = policy.policyDocument;
  const json = document instanceof iam.PolicyDocument ? document.toJSON() : document;
  return statementsOf(Stack.of(policy).resolve(json));
}

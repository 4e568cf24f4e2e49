import { CfnResource, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BucketResourceTest } from '../policy-matchers';
import { isKeyArn, isPlainRecord } from '../private/validate';
import { ServerSideEncryption } from '../server-side-encryption';
import { AppIndex } from './app-index';

/*
 * What EncryptionGuard reads from the constructs of one bucket: its encryption rules, the keys
 * they name, and its bucket policies. Nothing here judges or changes anything.
 */

/** One default encryption rule, as far as the guard reads it. */
export interface RuleFacts {
  /** `SSEAlgorithm`, resolved. */
  readonly algorithm?: unknown;
  /** `KMSMasterKeyID` as written (a token stays a token, so a reference to a key can be followed). */
  readonly rawKey?: unknown;
  /** `KMSMasterKeyID`, resolved. */
  readonly resolvedKey?: unknown;
  /** `BlockedEncryptionTypes.EncryptionType`, resolved. */
  readonly blocked?: unknown[];
}

/** The bucket's `BucketEncryption`; `readable` is false when it is a token the guard cannot look into. */
export interface EncryptionFacts {
  readonly readable: boolean;
  readonly rules: RuleFacts[];
}

/** What a rule's KMSMasterKeyID refers to. */
export interface KeyReference {
  readonly kind: 'none' | 'cfnKey' | 'literalArn' | 'awsManaged' | 'alias' | 'keyId' | 'unknown';
  /** The key, when it is defined in the app. */
  readonly cfnKey?: kms.CfnKey;
}

/** Everything the checks read about one bucket, as it is when they run. */
export interface BucketFacts {
  readonly bucket: s3.CfnBucket;
  readonly encryption: EncryptionFacts;
  /** The key that each rule names, in the order of the rules (empty when the rules cannot be read). */
  readonly keys: KeyReference[];
  readonly policies: BucketPolicies;
  /** Whether the bucket is meant for SSE-C (an SSE-C EncryptedBucket, or listed in customerProvidedBuckets). */
  readonly customerProvided: boolean;
}

/** Reads the facts of a bucket; call again after remediation to see the fixed bucket. */
export function readBucketFacts(bucket: s3.CfnBucket, policies: BucketPolicies, customerProvided: boolean): BucketFacts {
  const encryption = readEncryption(bucket);
  const keys = encryption.readable ? encryption.rules.map((r) => analyzeKey(bucket, r.rawKey, r.resolvedKey)) : [];
  return { bucket, encryption, keys, policies, customerProvided };
}

/** The s3.Bucket whose default child this CfnBucket is. */
export function l2BucketOf(bucket: s3.CfnBucket): s3.Bucket | undefined {
  const scope = bucket.node.scope;
  return scope instanceof s3.Bucket && scope.node.defaultChild === bucket ? scope : undefined;
}

/** Whether the L2 bucket is an `EncryptedBucket` (of any copy of this library). */
export function isEncryptedBucket(bucket: s3.Bucket): bucket is s3.Bucket & { serverSideEncryption: ServerSideEncryption } {
  return ServerSideEncryption.isServerSideEncryption((bucket as { serverSideEncryption?: unknown }).serverSideEncryption);
}

export function readEncryption(bucket: s3.CfnBucket): EncryptionFacts {
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
        resolvedKey: rule?.serverSideEncryptionByDefault?.kmsMasterKeyId,
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
  if (typeof resolved === 'string') {
    if (isKeyArn(resolved)) return { kind: 'literalArn' };
    if (/(^|:)alias\/aws\/s3$/.test(resolved)) return { kind: 'awsManaged' };
    if (/(^|:)alias\//.test(resolved)) return { kind: 'alias' };
    if (/^(mrk-)?[0-9a-f-]{32,36}$/i.test(resolved)) return { kind: 'keyId' };
    return { kind: 'unknown' };
  }
  // An intrinsic written by hand: look the key up by logical id in the bucket's stack.
  const getAtt = isPlainRecord(resolved) ? resolved['Fn::GetAtt'] : undefined;
  const ref = isPlainRecord(resolved) ? resolved.Ref : undefined;
  const logicalId = Array.isArray(getAtt) && getAtt[1] === 'Arn' ? getAtt[0] : ref;
  if (typeof logicalId === 'string') {
    const cfnKey = AppIndex.of(bucket).keyByLogicalId(Stack.of(bucket), logicalId);
    if (cfnKey) return { kind: ref === undefined ? 'cfnKey' : 'keyId', cfnKey };
  }
  return { kind: 'unknown' };
}

/** One statement of a bucket policy, resolved, with the policy it is in. */
export interface PolicyStatementFact {
  readonly policy: s3.CfnBucketPolicy;
  readonly statement: any;
}

/**
 * The bucket policies of one bucket while the guard judges it: found once in the app's index,
 * their statements resolved once, until remediation changes them (`changed()`).
 */
export class BucketPolicies {
  private found?: s3.CfnBucketPolicy[];
  private resolved?: PolicyStatementFact[];
  private readonly tests = new Map<Stack, BucketResourceTest>();

  constructor(private readonly bucket: s3.CfnBucket, private readonly l2Bucket: s3.Bucket | undefined) {}

  /** Every CfnBucketPolicy in the app whose Bucket is this bucket, in construct-tree order. */
  public policies(): s3.CfnBucketPolicy[] {
    this.found ??= AppIndex.of(this.bucket).policiesOf(this.bucket, this.l2Bucket);
    return this.found;
  }

  /** Their statements, resolved. */
  public statements(): PolicyStatementFact[] {
    this.resolved ??= this.policies().flatMap((policy) => resolvedStatements(policy).map((statement) => ({ policy, statement })));
    return this.resolved;
  }

  /** Whether any statement matches, its Resource entries compared with this bucket's ARNs. */
  public some(matches: (statement: unknown, isBucketResource: BucketResourceTest) => boolean): boolean {
    return this.statements().some(({ policy, statement }) => matches(statement, this.resourceTest(policy)));
  }

  /** To be called after a statement was added to a policy of the bucket, or a policy created. */
  public changed(): void {
    const created = this.l2Bucket?.policy?.node.defaultChild;
    if (created instanceof s3.CfnBucketPolicy) AppIndex.of(this.bucket).addPolicy(created);
    this.found = undefined;
    this.resolved = undefined;
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
    if (typeof resource === 'string' && literalName !== undefined) {
      return new RegExp(`^arn:[a-z-]+:s3:::${escapeRegExp(literalName)}${objects ? '/\\*' : ''}$`).test(resource);
    }
    return false;
  };
}

/** The statements of a bucket policy, resolved, without freezing or merging an L2 document. */
function resolvedStatements(policy: s3.CfnBucketPolicy): any[] {
  const document = policy.policyDocument;
  const json = document instanceof iam.PolicyDocument ? document.toJSON() : document;
  const resolved = Stack.of(policy).resolve(json);
  const statements = isPlainRecord(resolved) ? resolved.Statement : undefined;
  if (statements === undefined) return [];
  return Array.isArray(statements) ? statements : [statements];
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

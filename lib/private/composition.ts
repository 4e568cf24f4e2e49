import { Annotations, CfnResource, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';
import { EncryptionMode, MODE_FACTS, usesKms } from '../encryption-mode';
import { EncryptionValidationError } from '../errors';
import { ServerSideEncryption } from '../server-side-encryption';
import { describeTemplateValue, describeValue, parseKeyArn } from './validate';

/*
 * How an EncryptedBucket composes with the rest of aws-cdk-lib: replication, CloudFront, grants to
 * other accounts, BucketDeployment, server access log delivery, website hosting, public access.
 * Each combination either works as written, is completed here (replication rules), or is refused
 * at synth with an error that says what to pass instead. EncryptedBucket calls three hooks:
 *
 * - checkCompositionProps: before the bucket exists, on props alone (website, public read).
 * - composeReplicationRules: before the bucket exists; returns the rules to give s3.Bucket.
 * - addCompositionChecks: after; registers a validation that reads the finished tree at synth
 *   (bucket policy statements, BucketDeployments and log sources anywhere in the app, key ARNs
 *   that were tokens at construction time).
 */

/** The id of the warning on a server access log target encrypted with a customer managed key. */
export const ACCESS_LOG_TARGET_KMS_WARNING = '@cdk-s3-encryption/bucket:accessLogTargetKms';
/** The id of the warning on a kmsManaged() bucket shared with an account that may be another one. */
export const AWS_MANAGED_KEY_SHARED_WARNING = '@cdk-s3-encryption/bucket:awsManagedKeyShared';

/** What the synth-time checks need to know about an EncryptedBucket. */
export interface CompositionFacts {
  /** "EncryptedBucket '<path>'", for messages. */
  readonly owner: string;
  readonly sse: ServerSideEncryption;
  readonly requireEncryptionHeaders: boolean;
  /** The key S3 encrypts with (customer managed modes only). */
  readonly key?: kms.IKey;
  /**
   * How many statements the bucket policy holds that the EncryptedBucket wrote itself (all Deny).
   * When the policy holds no other, the principal checks have nothing to read.
   */
  readonly ownStatementCount: number;
}

// ---------------------------------------------------------------------------------------------
// Props known before the bucket exists
// ---------------------------------------------------------------------------------------------

/** Refuses props that cannot work with the bucket policy of any EncryptedBucket (or of this mode). */
export function checkCompositionProps(owner: string, props: s3.BucketProps, sse: ServerSideEncryption): void {
  const website: Array<[string, unknown]> = [
    ['websiteIndexDocument', props.websiteIndexDocument],
    ['websiteErrorDocument', props.websiteErrorDocument],
    ['websiteRedirect', props.websiteRedirect],
    ['websiteRoutingRules', props.websiteRoutingRules],
  ];
  for (const [prop, value] of website) {
    if (value !== undefined) {
      throw new EncryptionValidationError(`${owner}: ${prop} cannot be set (got ${describeValue(value)}): S3 website endpoints ` +
        'serve plain HTTP only, and every EncryptedBucket denies plain-HTTP requests (DenyInsecureTransport), so the website ' +
        `would answer 403 Forbidden to every request. Remove ${prop} and serve the bucket through CloudFront with origin ` +
        'access control (cloudfront_origins.S3BucketOrigin.withOriginAccessControl(bucket)), which reads it over HTTPS.');
    }
  }
  if (props.publicReadAccess === true && usesKms(sse.mode)) {
    throw new EncryptionValidationError(`${owner}: publicReadAccess cannot be true in mode ${sse.mode} (got true): anonymous ` +
      'requests cannot use a KMS key, so every public read of an SSE-KMS or DSSE-KMS object fails. Remove publicReadAccess ' +
      'and serve the objects through CloudFront with origin access control, or use ServerSideEncryption.s3Managed() for ' +
      'data that is meant to be public.');
  }
}

// ---------------------------------------------------------------------------------------------
// Replication
// ---------------------------------------------------------------------------------------------

/**
 * Completes and checks the replication rules of a bucket in this mode.
 *
 * S3 replicates an SSE-KMS (or DSSE-KMS) object only when the rule sets
 * `SourceSelectionCriteria.SseKmsEncryptedObjects` and names the replica key; without them every
 * object of a KMS bucket is skipped. A replica keeps the source object's encryption, so the
 * destination must accept that algorithm (and, for KMS, be encrypted under the replica key).
 *
 * | source mode          | destination EncryptedBucket must be | rule gets                                          |
 * |----------------------|-------------------------------------|----------------------------------------------------|
 * | s3Managed            | s3Managed                           | unchanged                                          |
 * | kms, kmsManaged      | kms (a customer managed key)        | sseKmsEncryptedObjects: true, kmsKey: its key      |
 * | dsseKms              | dsseKms                             | sseKmsEncryptedObjects: true, kmsKey: its key      |
 * | customerProvided     | customerProvided                    | unchanged                                          |
 *
 * A destination that is not an EncryptedBucket is not checked; in a KMS mode its key must be
 * passed as the rule's `kmsKey`.
 */
export function composeReplicationRules(owner: string, rules: s3.ReplicationRule[] | undefined,
  sse: ServerSideEncryption): s3.ReplicationRule[] | undefined {
  if (!Array.isArray(rules)) return rules;
  return rules.map((rule, i) => composeRule(owner, `replicationRules[${i}]`, rule, sse));
}

function composeRule(owner: string, prop: string, rule: s3.ReplicationRule,
  sse: ServerSideEncryption): s3.ReplicationRule {
  const destination = encryptedBucketFacts(rule.destination);
  const where = `${owner}: ${prop}`;
  const destPath = rule.destination?.node?.path;

  if (!usesKms(sse.mode)) {
    if (destination && destination.sse.mode !== sse.mode) {
      throw new EncryptionValidationError(`${where} replicates into EncryptedBucket '${destPath}' (mode ${destination.sse.mode}), ` +
        `but this bucket is in mode ${sse.mode}: a replica keeps its source's encryption, which the destination's bucket ` +
        `policy refuses. Replicate into a bucket in mode ${sse.mode}.`);
    }
    return rule;
  }

  if (rule.sseKmsEncryptedObjects === false) {
    throw new EncryptionValidationError(`${where}.sseKmsEncryptedObjects cannot be false in mode ${sse.mode} (got false): ` +
      'S3 then skips every SSE-KMS and DSSE-KMS object, which is every object of this bucket, and replicates nothing. ' +
      'Remove sseKmsEncryptedObjects (EncryptedBucket sets it to true).');
  }
  const wanted = sse.mode === EncryptionMode.DSSE_KMS ? EncryptionMode.DSSE_KMS : EncryptionMode.KMS;
  let replicaKey = rule.kmsKey;
  if (destination) {
    if (destination.sse.mode !== wanted) {
      throw new EncryptionValidationError(`${where} replicates into EncryptedBucket '${destPath}' (mode ` +
        `${destination.sse.mode}), but replicas of this ${sse.mode} bucket are written with ` +
        `${MODE_FACTS[sse.mode].uploadHeader} under the rule's replica key, which that bucket's policy refuses. Replicate into an ` +
        `EncryptedBucket with ServerSideEncryption.${wanted === EncryptionMode.KMS ? 'kms' : 'dsseKms'}() (its key becomes the ` +
        'replica key).');
    }
    const destKey = destination.key;
    if (replicaKey && destKey && provablyDifferentKeys(replicaKey, destKey)) {
      throw new EncryptionValidationError(`${where}.kmsKey is ${describeKey(replicaKey)}, but the destination ` +
        `EncryptedBucket '${destPath}' encrypts with ${describeKey(destKey)}, and its policy refuses objects under another ` +
        'key. Remove kmsKey (EncryptedBucket uses the destination\'s key).');
    }
    replicaKey = replicaKey ?? destKey;
  }
  if (!replicaKey) {
    throw new EncryptionValidationError(`${where} has no kmsKey, and the destination ${destPath ? `'${destPath}' ` : ''}is not an ` +
      `EncryptedBucket whose key this library knows: S3 replicates ${sse.mode} objects only with a replica key in the ` +
      'destination\'s region. Pass kmsKey: the destination bucket\'s customer managed key (for example ' +
      'kms.Key.fromKeyArn(this, \'ReplicaKey\', \'arn:aws:kms:<region>:<account>:key/<key-id>\')).');
  }
  checkReplicaKeyRegion(where, replicaKey, rule.destination);
  return { ...rule, sseKmsEncryptedObjects: true, kmsKey: replicaKey };
}

function checkReplicaKeyRegion(where: string, key: kms.IKey, destination: s3.IBucket): void {
  const keyRegion = key.env?.region;
  const bucketRegion = destination?.env?.region;
  if (keyRegion && bucketRegion && !Token.isUnresolved(keyRegion) && !Token.isUnresolved(bucketRegion) && keyRegion !== bucketRegion) {
    throw new EncryptionValidationError(`${where}.kmsKey is in region ${keyRegion}, but the destination bucket is in ` +
      `${bucketRegion}: S3 encrypts replicas with a key in the destination's region. Pass a key in ${bucketRegion}.`);
  }
}

function provablyDifferentKeys(a: kms.IKey, b: kms.IKey): boolean {
  if (a === b) return false;
  const arnA = a.keyArn;
  const arnB = b.keyArn;
  if (!Token.isUnresolved(arnA) && !Token.isUnresolved(arnB)) return arnA !== arnB;
  // Two keys defined in the app are two keys.
  return a.node.defaultChild instanceof kms.CfnKey && b.node.defaultChild instanceof kms.CfnKey;
}

function describeKey(key: kms.IKey): string {
  return Token.isUnresolved(key.keyArn) ? `the key '${key.node.path}'` : JSON.stringify(key.keyArn);
}

// ---------------------------------------------------------------------------------------------
// Synth-time checks over the finished tree
// ---------------------------------------------------------------------------------------------

/** Registers the checks that need the finished construct tree. */
export function addCompositionChecks(bucket: s3.Bucket, facts: CompositionFacts): void {
  FACTS.set(bucket, facts);
  bucket.node.addValidation({
    validate: () => {
      checkKeyAtSynth(bucket, facts);
      checkPolicyPrincipals(bucket, facts);
      checkDeployments(bucket, facts);
      checkLogSources(bucket, facts);
      return [];
    },
  });
}

/** The facts of an EncryptedBucket (also of a bucket from another copy of this library, by shape). */
function encryptedBucketFacts(bucket: unknown): { sse: ServerSideEncryption; key?: kms.IKey } | undefined {
  if (typeof bucket !== 'object' || bucket === null) return undefined;
  const known = FACTS.get(bucket as IConstruct);
  if (known) return known;
  const sse = (bucket as { serverSideEncryption?: unknown }).serverSideEncryption;
  if (!ServerSideEncryption.isServerSideEncryption(sse)) return undefined;
  return { sse, key: (bucket as s3.IBucket).encryptionKey };
}

const FACTS = new WeakMap<IConstruct, CompositionFacts>();

/** A key ARN that was a token at construction time, once synthesis has resolved it to a string. */
function checkKeyAtSynth(bucket: s3.Bucket, facts: CompositionFacts): void {
  const key = facts.key;
  // A key defined in the app has a Fn::GetAtt for its ARN, never text: nothing to check.
  if (!key || !Token.isUnresolved(key.keyArn) || key.node.defaultChild instanceof kms.CfnKey) return;
  const resolved = Stack.of(bucket).resolve(key.keyArn);
  if (typeof resolved === 'string') {
    checkKeyArnText(bucket, facts.owner, resolved);
  }
}

/**
 * A literal key ARN must be a key ARN, in the partition of the bucket's stack (when its region is
 * known); `checkKey` in the bucket checks its region.
 */
export function checkKeyArnText(scope: IConstruct, owner: string, keyArn: string): void {
  const parsed = parseKeyArn(keyArn);
  if (!parsed) {
    throw new EncryptionValidationError(`${owner}: the key of serverSideEncryption must be named by its full key ARN ` +
      `(got ${JSON.stringify(keyArn)}). S3 writes it as KMSMasterKeyID and the bucket policy compares the full ARN: ` +
      'import the key with kms.Key.fromKeyArn(this, \'Key\', \'arn:aws:kms:<region>:<account>:key/<key-id>\').');
  }
  const region = Stack.of(scope).region;
  const partition = Token.isUnresolved(region) ? undefined : RegionInfo.get(region).partition;
  if (partition && parsed.partition !== partition) {
    throw new EncryptionValidationError(`${owner}: the key of serverSideEncryption is in partition ${parsed.partition} ` +
      `(got ${JSON.stringify(keyArn)}), but the bucket's stack is in ${region}, partition ${partition}. S3 can only use a ` +
      `key of its own partition and region: use a key ARN that starts with arn:${partition}:kms:${region}:.`);
  }
}

/**
 * Allow statements of the bucket policy that give object access to someone who cannot use the
 * bucket's key: another account or CloudFront with `aws/s3` (its key policy cannot be edited), a
 * legacy origin access identity with any KMS key, anyone anonymous with any KMS key, CloudFront
 * with SSE-C (it cannot send the customer's key).
 */
function checkPolicyPrincipals(bucket: s3.Bucket, facts: CompositionFacts): void {
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
          'cloudfront.amazonaws.com to the key policy, limited to the distribution) or ServerSideEncryption.s3Managed().');
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

/**
 * Every `s3deploy.BucketDeployment` into this bucket must send what the bucket policy accepts.
 * BucketDeployment sends the `x-amz-server-side-encryption` header (and key id) of its
 * `serverSideEncryption` and `serverSideEncryptionAwsKmsKeyId` props on every upload, or none.
 */
function checkDeployments(bucket: s3.Bucket, facts: CompositionFacts): void {
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  for (const resource of appIndex(bucket).deployments) {
    const raw = cfnPropertiesOf(resource);
    if (!raw || !refersTo(raw.DestinationBucketName, cfnBucket, bucket)) continue;
    const stack = Stack.of(resource);
    const metadata = stack.resolve(raw.SystemMetadata) ?? {};
    const sse: unknown = metadata.sse;
    const keyId: unknown = metadata['sse-kms-key-id'];
    const mode = facts.sse.mode;
    const path = resource.node.scope?.node.scope?.node.path ?? resource.node.path;
    const deployment = `the BucketDeployment '${path}'`;
    const fix = deploymentFix(facts);
    const fail = (problem: string) => {
      throw new EncryptionValidationError(`${facts.owner}: ${deployment} ${problem} ${fix}`);
    };

    if (mode === EncryptionMode.CUSTOMER_PROVIDED) {
      fail('uploads into this ServerSideEncryption.customerProvided() bucket, whose policy denies every upload without SSE-C ' +
        'headers; BucketDeployment cannot send them.');
    }
    if (sse === undefined) {
      if (facts.requireEncryptionHeaders) {
        fail('sends no x-amz-server-side-encryption header (serverSideEncryption is not set), and requireEncryptionHeaders ' +
          'is true: the bucket policy denies every upload (DenyUnencryptedObjectUploads).');
      }
      continue;
    }
    if (sse !== MODE_FACTS[mode].uploadHeader) {
      fail(`sends x-amz-server-side-encryption ${describeTemplateValue(bucket, sse)} (serverSideEncryption), but this bucket accepts only ` +
        `${MODE_FACTS[mode].uploadHeader} (DenyIncorrectEncryptionHeader).`);
    }
    if (MODE_FACTS[mode].key === 'awsManaged' && keyId !== undefined && !(typeof keyId === 'string' && /(^|:)alias\/aws\/s3$/.test(keyId))) {
      fail(`names the key as ${describeTemplateValue(bucket, keyId)} (serverSideEncryptionAwsKmsKeyId), but this bucket accepts only the AWS ` +
        'managed key aws/s3 (DenyIncorrectEncryptionKey).');
    }
    if (MODE_FACTS[mode].key === 'customerManaged') {
      if (keyId === undefined) {
        fail(`sends ${sse} without a key id (serverSideEncryptionAwsKmsKeyId is not set): S3 would use aws/s3, which the ` +
          'bucket policy denies (DenyMissingEncryptionKeyId).');
      }
      const wanted = facts.key ? stack.resolve(facts.key.keyArn) : undefined;
      if (wanted !== undefined && JSON.stringify(keyId) !== JSON.stringify(wanted)) {
        fail(`names the key as ${describeTemplateValue(bucket, keyId)} (serverSideEncryptionAwsKmsKeyId), which is not the full ARN of the ` +
          'bucket\'s key: the bucket policy compares the full key ARN (DenyIncorrectEncryptionKey).');
      }
    }
  }
}

/** The BucketDeployment props that work with this bucket, for error messages. */
function deploymentFix(facts: CompositionFacts): string {
  switch (facts.sse.mode) {
    case EncryptionMode.S3_MANAGED:
      return 'Set serverSideEncryption: s3deploy.ServerSideEncryption.AES_256 on the BucketDeployment' +
        (facts.requireEncryptionHeaders ? '.' : ', or leave it unset.');
    case EncryptionMode.KMS:
      return 'Set serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS and serverSideEncryptionAwsKmsKeyId: ' +
        'bucket.encryptionKey!.keyArn (the full key ARN, not the key id) on the BucketDeployment' +
        (facts.requireEncryptionHeaders ? '.' : ', or leave both unset.');
    case EncryptionMode.DSSE_KMS:
      return 'Set serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS_DSSE and serverSideEncryptionAwsKmsKeyId: ' +
        'bucket.encryptionKey!.keyArn (the full key ARN, not the key id) on the BucketDeployment' +
        (facts.requireEncryptionHeaders ? '.' : ', or leave both unset.');
    case EncryptionMode.KMS_MANAGED:
      return 'Set serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS without serverSideEncryptionAwsKmsKeyId on ' +
        'the BucketDeployment' + (facts.requireEncryptionHeaders ? '.' : ', or leave both unset.');
    default:
      return 'Deploy into a bucket in another mode.';
  }
}

/**
 * Server access log delivery into this bucket, from any bucket in the app (or from itself). S3
 * delivers logs without an encryption header; AWS documents SSE-S3 as the default encryption of
 * a log target.
 */
function checkLogSources(bucket: s3.Bucket, facts: CompositionFacts): void {
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  const sources = appIndex(bucket).buckets.filter((source) => {
    const logging = source.loggingConfiguration;
    if (logging === undefined) return false;
    const target = Tokenization.isResolvable(logging) ? Stack.of(source).resolve(logging)?.DestinationBucketName
      : (logging as s3.CfnBucket.LoggingConfigurationProperty).destinationBucketName;
    return target === undefined ? source === cfnBucket : refersTo(target, cfnBucket, bucket);
  });
  if (sources.length === 0) return;
  const names = sources.map((s) => s === cfnBucket ? 'itself' : `'${(s.node.scope ?? s).node.path}'`).join(', ');
  const delivery = `receives S3 server access logs from ${names}`;
  const fix = 'Send server access logs to an EncryptedBucket with ServerSideEncryption.s3Managed() and without ' +
    'requireEncryptionHeaders (serverAccessLogsBucket), the only default encryption AWS documents for log targets.';
  const mode = facts.sse.mode;
  if (mode === EncryptionMode.CUSTOMER_PROVIDED) {
    throw new EncryptionValidationError(`${facts.owner} ${delivery}, but it is a ServerSideEncryption.customerProvided() ` +
      `bucket, whose policy denies every upload without SSE-C headers: every delivery is denied. ${fix}`);
  }
  if (facts.requireEncryptionHeaders) {
    throw new EncryptionValidationError(`${facts.owner} ${delivery}, but requireEncryptionHeaders is true: log delivery sends ` +
      `no encryption header, so the bucket policy denies every delivery (DenyUnencryptedObjectUploads). ${fix}`);
  }
  if (MODE_FACTS[mode].key === 'awsManaged') {
    throw new EncryptionValidationError(`${facts.owner} ${delivery}, but serverSideEncryption is ` +
      'ServerSideEncryption.kmsManaged(): the log delivery service cannot use the AWS managed key aws/s3, whose key policy ' +
      `cannot be edited. ${fix}`);
  }
  if (MODE_FACTS[mode].key === 'customerManaged') {
    Annotations.of(bucket).addWarningV2(ACCESS_LOG_TARGET_KMS_WARNING, `This bucket ${delivery} and encrypts with a ` +
      `customer managed key (${mode}). AWS documents only SSE-S3 for server access log targets; a customer managed key works ` +
      'only while its key policy lets logging.s3.amazonaws.com use it (aws-cdk-lib adds that statement when the source ' +
      `bucket names this one as serverAccessLogsBucket). ${fix} Acknowledge with ` +
      `Annotations.of(bucket).acknowledgeWarning('${ACCESS_LOG_TARGET_KMS_WARNING}') to keep the key.`);
  }
}

/** Whether a raw bucket-name property (a token, or a literal name) names this bucket. */
function refersTo(value: unknown, cfnBucket: s3.CfnBucket, bucket: s3.Bucket): boolean {
  if (value === undefined || value === null) return false;
  if (Token.isUnresolved(value)) {
    const reference = Tokenization.reverse(value, { failConcat: false });
    if (reference instanceof Reference) return reference.target === cfnBucket;
    return false;
  }
  const name = bucket.bucketName;
  return typeof value === 'string' && !Token.isUnresolved(name) && value === name;
}

/** The properties of an L1 resource as given (tokens unresolved). */
function cfnPropertiesOf(resource: CfnResource): Record<string, any> | undefined {
  // CfnResource keeps the properties of a generic resource (such as a custom resource) in this
  // field; it has no public accessor for them.
  const props = (resource as unknown as { _cfnProperties?: unknown })._cfnProperties;
  return typeof props === 'object' && props !== null ? props as Record<string, any> : undefined;
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

// ---------------------------------------------------------------------------------------------
// One walk of the app per synthesis
// ---------------------------------------------------------------------------------------------

interface AppIndex {
  readonly buckets: s3.CfnBucket[];
  readonly deployments: CfnResource[];
}

const INDEXES = new WeakMap<IConstruct, AppIndex>();

/**
 * The buckets and BucketDeployments of the app, found in one walk shared by every bucket's
 * validation. Validation runs synchronously inside synthesis, so the index is dropped on the
 * next microtask: a later synthesis of a changed tree walks it again.
 */
function appIndex(scope: IConstruct): AppIndex {
  const root = scope.node.root;
  let index = INDEXES.get(root);
  if (!index) {
    const buckets: s3.CfnBucket[] = [];
    const deployments: CfnResource[] = [];
    for (const c of root.node.findAll()) {
      if (c instanceof s3.CfnBucket) buckets.push(c);
      else if (CfnResource.isCfnResource(c) && c.cfnResourceType === 'Custom::CDKBucketDeployment') deployments.push(c);
    }
    index = { buckets, deployments };
    INDEXES.set(root, index);
    queueMicrotask(() => INDEXES.delete(root));
  }
  return index;
}

import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { EncryptionMode, MODE_FACTS, usesKms } from '../../encryption-mode';
import { EncryptionValidationError } from '../../errors';
import { AppIndex } from '../../guard/app-index';
import { ServerSideEncryption } from '../../server-side-encryption';
import { grantScopedKeyUse } from '../grants';
import { CompositionFacts, encryptedBucketFacts } from './facts';
import { asArray } from './util';

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
 *
 * The replica key's permissions for the replication role: aws-cdk-lib grants them in
 * `grantReplicationPermission`, through the rule's `kmsKey.grantEncrypt(role)` (`kms:Encrypt`,
 * `kms:ReEncrypt*`, `kms:GenerateDataKey*`, with no condition; on the key policy too when the key is
 * in another account). That falls short twice: S3 needs `kms:Decrypt` on the replica key when the
 * destination uses S3 Bucket Keys (it decrypts the Bucket Key to check it; S3 User Guide,
 * "Replicating encrypted objects"), and the statements are not limited to S3 and the destination.
 * So the rule's `kmsKey` is the replica key behind a proxy whose `grantEncrypt` grants those four
 * actions and `kms:Decrypt` through `grantScopedKeyUse`: limited to S3 in the destination's region
 * (`kms:ViaService`) and to the destination bucket and its objects (encryption context). Everything
 * else the key is asked reads the key itself.
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
  return { ...rule, sseKmsEncryptedObjects: true, kmsKey: withScopedReplicaGrant(replicaKey, rule.destination) };
}

/** What the replication role may do with the replica key. */
export const REPLICA_KEY_ACTIONS = ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Decrypt'];

/** The replica key, whose `grantEncrypt` grants REPLICA_KEY_ACTIONS limited to S3 and the destination. */
function withScopedReplicaGrant(key: kms.IKey, destination: s3.IBucket): kms.IKey {
  const grantEncrypt = (grantee: iam.IGrantable): iam.Grant =>
    grantScopedKeyUse(destination, literalBucketName(destination), key, grantee, REPLICA_KEY_ACTIONS)!;
  return new Proxy(key, {
    get(target, property) {
      if (property === 'grantEncrypt') return grantEncrypt;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The destination's bucket name when it is a literal (then a key policy can name the bucket without a reference). */
function literalBucketName(bucket: s3.IBucket): string | undefined {
  const cfn = bucket.node.defaultChild;
  const name = cfn instanceof s3.CfnBucket ? cfn.bucketName : bucket.bucketName;
  return typeof name === 'string' && !Token.isUnresolved(name) ? name : undefined;
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

const REPLICATING_BUCKETS = new WeakMap<AppIndex, s3.CfnBucket[]>();

/**
 * The buckets of the app that replicate and are not EncryptedBuckets (those check their own
 * rules), found once per index of the app rather than once per destination bucket: every KMS
 * bucket of the app asks, and most apps have none.
 */
function replicatingBucketsOf(scope: IConstruct): s3.CfnBucket[] {
  const index = AppIndex.of(scope);
  let found = REPLICATING_BUCKETS.get(index);
  if (!found) {
    found = index.resourcesOfType('AWS::S3::Bucket').filter((source): source is s3.CfnBucket =>
      source instanceof s3.CfnBucket && source.replicationConfiguration !== undefined && !encryptedBucketFacts(source.node.scope));
    REPLICATING_BUCKETS.set(index, found);
  }
  return found;
}

/**
 * Buckets of the app, other than EncryptedBuckets (whose rules `composeReplicationRules` checks),
 * that replicate into this bucket. A replica keeps its source's encryption, and whether S3 puts
 * the algorithm of an SSE-S3 replica into the ReplicateObject request is not documented: if it
 * does not, the bucket policy cannot tell the replica apart and lets it in. So an SSE-S3 source
 * (default encryption AES256, or none) is refused where it is known, for a destination in a KMS
 * mode. A source whose default is SSE-KMS may still hold objects uploaded with SSE-S3; it is not
 * refused (nothing at synth says it holds any).
 */
export function checkReplicationSources(bucket: s3.Bucket, facts: CompositionFacts): void {
  if (!usesKms(facts.sse.mode)) return;
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  for (const source of replicatingBucketsOf(bucket)) {
    if (source === cfnBucket) continue;
    const config = Stack.of(source).resolve(source.replicationConfiguration);
    const rules = asArray(config?.rules ?? config?.Rules);
    const intoThis = rules.some((rule: any) => {
      const destination = (rule?.destination ?? rule?.Destination);
      const target = destination?.bucket ?? destination?.Bucket;
      return JSON.stringify(target) === JSON.stringify(Stack.of(source).resolve(bucket.bucketArn));
    });
    if (!intoThis) continue;
    const encryption = Stack.of(source).resolve(source.bucketEncryption);
    const configs = asArray(encryption?.serverSideEncryptionConfiguration ?? encryption?.ServerSideEncryptionConfiguration);
    const byDefault: any = configs.map((c: any) => c?.serverSideEncryptionByDefault ?? c?.ServerSideEncryptionByDefault)[0];
    const algorithm = byDefault?.sseAlgorithm ?? byDefault?.SSEAlgorithm;
    if (algorithm !== undefined && algorithm !== 'AES256') continue;
    throw new EncryptionValidationError(`${facts.owner} is the destination of a replication rule of the bucket ` +
      `'${(source.node.id === 'Resource' && source.node.scope ? source.node.scope : source).node.path}', whose default encryption is SSE-S3 (${algorithm === undefined ? 'no rule: S3 ' +
      'applies SSE-S3' : 'AES256'}). A replica keeps its source's encryption, so its objects would arrive as SSE-S3 objects in ` +
      `this ${facts.sse.mode} bucket, and the bucket policy cannot be relied on to refuse them (S3 does not document that it ` +
      'puts the algorithm of a replica into the request). Encrypt the source with SSE-KMS under this bucket\'s key as the ' +
      'replica key (an EncryptedBucket with ServerSideEncryption.kms(), or encryption: s3.BucketEncryption.KMS), or replicate ' +
      'into an EncryptedBucket with ServerSideEncryption.s3Managed().');
  }
}

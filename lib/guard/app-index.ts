import { CfnResource, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';

/**
 * What EncryptionGuard and the composition checks of EncryptedBucket (lib/private/composition/)
 * look up across the whole app, gathered in one walk of the construct tree instead of one walk
 * per bucket: the bucket policies by the bucket they target, the KMS keys by logical id in each
 * stack, the buckets by where they deliver their server access logs, and the BucketDeployments.
 * There is one index per app and synthesis, shared by every guard and every bucket in it: Aspects
 * and validations run synchronously inside one synthesis, so the index is dropped on the next
 * microtask, and a later synthesis of a changed tree walks it again.
 *
 * The tree can grow after the walk (other Aspects, remediation), so the index also takes in:
 * every bucket policy, key and bucket that a guard visits (`register`), the policy of an L2 bucket at
 * the time it is judged (`policiesOf` is given the owner), and the policies that remediation
 * creates. A construct removed from the tree is no longer returned.
 */
export class AppIndex {
  /** The index of the app that `scope` belongs to. */
  public static of(scope: IConstruct): AppIndex {
    const root = scope.node.root;
    let index = INDEXES.get(root);
    if (!index) {
      index = new AppIndex(root);
      INDEXES.set(root, index);
      queueMicrotask(() => INDEXES.delete(root));
    }
    return index;
  }

  private walked = false;
  private readonly known = new Set<IConstruct>();
  /** Policies whose Bucket is a reference to a bucket resource, by that resource. */
  private readonly policiesByTarget = new Map<IConstruct, s3.CfnBucketPolicy[]>();
  /** Policies whose Bucket is another token, by stack and resolved value (as JSON). */
  private readonly policiesByResolvedTarget = new Map<Stack, Map<string, s3.CfnBucketPolicy[]>>();
  /** Policies whose Bucket is a literal bucket name, by name. */
  private readonly policiesByName = new Map<string, s3.CfnBucketPolicy[]>();
  private readonly keys: kms.CfnKey[] = [];
  /** Built on the first lookup by logical id, a rare case (a hand-written intrinsic). */
  private keysByLogicalId?: Map<Stack, Map<string, kms.CfnKey>>;
  private readonly buckets: s3.CfnBucket[] = [];
  private readonly bucketDeployments: CfnResource[] = [];
  /** Every L1 resource of the walk, by CloudFormation type. */
  private readonly byType = new Map<string, CfnResource[]>();
  private readonly byTypeKnown = new Set<CfnResource>();
  /** Built on the first lookup of log sources (only `requireKms` needs them). */
  private logSources?: LogSources;

  private constructor(private readonly root: IConstruct) {}

  /**
   * Takes in a construct that may have been added after the walk; anything but a bucket policy, a
   * key, a bucket or a BucketDeployment is ignored.
   */
  public register(construct: IConstruct): void {
    if (!this.walked || this.known.has(construct)) return; // the walk will find it, or has
    this.take(construct);
  }

  /**
   * The buckets of the app whose `LoggingConfiguration` delivers their server access logs to this
   * bucket (a configuration without a destination delivers to the bucket itself), in tree order.
   * The configurations are read at the first call.
   */
  public logSourcesOf(bucket: s3.CfnBucket): s3.CfnBucket[] {
    this.walk();
    if (!this.logSources) {
      this.logSources = { byTarget: new Map(), byName: new Map() };
      for (const source of this.buckets) this.indexLogSource(source);
    }
    const found = [...this.logSources.byTarget.get(bucket) ?? []];
    const name = bucket.bucketName;
    if (typeof name === 'string' && !Token.isUnresolved(name)) {
      found.push(...this.logSources.byName.get(name) ?? []);
    }
    const attached = found.filter(isInTree);
    return attached.length > 1 ? attached.sort(compareTreeOrder) : attached;
  }

  /**
   * Every CfnBucketPolicy in the app whose Bucket is this bucket, in construct-tree order.
   * `owner` is the L2 bucket of the CfnBucket, if any: its current policy is always taken in.
   */
  public policiesOf(bucket: s3.CfnBucket, owner?: s3.IBucket): s3.CfnBucketPolicy[] {
    this.walk();
    const ownPolicy = owner?.policy?.node.defaultChild;
    if (ownPolicy) this.register(ownPolicy);

    const found = [...this.policiesByTarget.get(bucket) ?? []];
    const stack = Stack.of(bucket);
    const byResolved = this.policiesByResolvedTarget.get(stack);
    if (byResolved) {
      found.push(...byResolved.get(JSON.stringify(stack.resolve(bucket.ref))) ?? []);
    }
    const name = bucket.bucketName;
    if (typeof name === 'string' && !Token.isUnresolved(name)) {
      found.push(...this.policiesByName.get(name) ?? []);
    }
    const attached = found.filter(isInTree);
    return attached.length > 1 ? attached.sort(compareTreeOrder) : attached;
  }

  /**
   * Every L1 resource of this CloudFormation type in the app, in tree order (for the checks of the
   * AWS services that write into a bucket: flow logs, trails, delivery streams, load balancers,
   * notification configurations, topics and queues).
   */
  public resourcesOfType(type: string): CfnResource[] {
    this.walk();
    return (this.byType.get(type) ?? []).filter(isInTree);
  }

  /** The custom resources of every `s3deploy.BucketDeployment` in the app, in tree order. */
  public deployments(): CfnResource[] {
    this.walk();
    return this.bucketDeployments.filter(isInTree);
  }

  /** The first CfnKey in the stack's tree (nested stacks included) with this logical id. */
  public keyByLogicalId(stack: Stack, logicalId: string): kms.CfnKey | undefined {
    this.walk();
    if (!this.keysByLogicalId) {
      this.keysByLogicalId = new Map();
      for (const key of this.keys) this.indexKeyByLogicalId(key);
    }
    const key = this.keysByLogicalId.get(stack)?.get(logicalId);
    return key && isInTree(key) ? key : undefined;
  }

  /** Takes in a bucket policy created after the walk (by remediation). */
  public addPolicy(policy: s3.CfnBucketPolicy): void {
    if (this.known.has(policy)) return;
    this.known.add(policy);
    const target = policy.bucket;
    if (Token.isUnresolved(target)) {
      const reference = Tokenization.reverse(target, { failConcat: false });
      if (reference instanceof Reference) {
        append(this.policiesByTarget, reference.target, policy);
      } else {
        const stack = Stack.of(policy);
        let byValue = this.policiesByResolvedTarget.get(stack);
        if (!byValue) {
          byValue = new Map();
          this.policiesByResolvedTarget.set(stack, byValue);
        }
        append(byValue, JSON.stringify(stack.resolve(target)), policy);
      }
    } else if (typeof target === 'string') {
      append(this.policiesByName, target, policy);
    }
  }

  private addBucket(bucket: s3.CfnBucket): void {
    this.known.add(bucket);
    this.buckets.push(bucket);
    if (this.logSources) this.indexLogSource(bucket);
  }

  private indexLogSource(source: s3.CfnBucket): void {
    const logging = source.loggingConfiguration;
    if (logging === undefined) return;
    const target = Tokenization.isResolvable(logging) ? Stack.of(source).resolve(logging)?.DestinationBucketName
      : (logging as s3.CfnBucket.LoggingConfigurationProperty).destinationBucketName;
    if (target === undefined) {
      append(this.logSources!.byTarget, source, source); // to itself
    } else if (Token.isUnresolved(target)) {
      const reference = Tokenization.reverse(target, { failConcat: false });
      if (reference instanceof Reference) append(this.logSources!.byTarget, reference.target, source);
    } else if (typeof target === 'string') {
      append(this.logSources!.byName, target, source);
    }
  }

  private addKey(key: kms.CfnKey): void {
    this.known.add(key);
    this.keys.push(key);
    if (this.keysByLogicalId) this.indexKeyByLogicalId(key);
  }

  /** Indexes a key under its own stack and every stack that contains it. */
  private indexKeyByLogicalId(key: kms.CfnKey): void {
    const logicalId = Stack.of(key).resolve(key.logicalId);
    if (typeof logicalId !== 'string') return;
    for (const scope of key.node.scopes) {
      if (!Stack.isStack(scope)) continue;
      let byId = this.keysByLogicalId!.get(scope);
      if (!byId) {
        byId = new Map();
        this.keysByLogicalId!.set(scope, byId);
      }
      // The first key in tree order wins, as a search of the stack's tree would find it.
      const existing = byId.get(logicalId);
      if (!existing || (isInTree(key) && compareTreeOrder(key, existing) < 0)) byId.set(logicalId, key);
    }
  }

  /** The one walk of the construct tree. */
  private walk(): void {
    if (this.walked) return;
    this.walked = true;
    for (const construct of this.root.node.findAll()) {
      this.take(construct);
    }
  }

  /** Indexes a bucket policy, a key, a bucket or a BucketDeployment, and every L1 resource by type. */
  private take(construct: IConstruct): void {
    if (CfnResource.isCfnResource(construct) && !this.byTypeKnown.has(construct)) {
      this.byTypeKnown.add(construct);
      append(this.byType, construct.cfnResourceType, construct);
    }
    if (construct instanceof s3.CfnBucketPolicy) {
      this.addPolicy(construct);
    } else if (construct instanceof kms.CfnKey) {
      this.addKey(construct);
    } else if (construct instanceof s3.CfnBucket) {
      this.addBucket(construct);
    } else if (CfnResource.isCfnResource(construct) && construct.cfnResourceType === BUCKET_DEPLOYMENT) {
      this.known.add(construct);
      this.bucketDeployments.push(construct);
    }
  }
}

interface LogSources {
  /** By the bucket resource that a token destination refers to (or the source itself). */
  readonly byTarget: Map<IConstruct, s3.CfnBucket[]>;
  /** By a literal destination bucket name. */
  readonly byName: Map<string, s3.CfnBucket[]>;
}

const INDEXES = new WeakMap<IConstruct, AppIndex>();
/** The resource type of the custom resource of an `s3deploy.BucketDeployment`. */
const BUCKET_DEPLOYMENT = 'Custom::CDKBucketDeployment';

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const values = map.get(key);
  if (values) values.push(value);
  else map.set(key, [value]);
}

/** Whether the construct is still in the tree: each of its scopes still has it under its id. */
function isInTree(construct: IConstruct): boolean {
  let child = construct;
  for (let scope = child.node.scope; scope; child = scope, scope = scope.node.scope) {
    if (scope.node.tryFindChild(child.node.id) !== child) return false;
  }
  return true;
}

/** Orders two constructs as a pre-order walk of the tree (`node.findAll()`) meets them. */
function compareTreeOrder(a: IConstruct, b: IConstruct): number {
  if (a === b) return 0;
  const pathA = a.node.scopes;
  const pathB = b.node.scopes;
  let i = 0;
  while (i < pathA.length && i < pathB.length && pathA[i] === pathB[i]) i++;
  if (i === pathA.length) return -1; // a contains b
  if (i === pathB.length) return 1;
  const siblings = pathA[i - 1].node.children;
  return siblings.indexOf(pathA[i]) - siblings.indexOf(pathB[i]);
}

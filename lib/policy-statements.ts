import * as iam from 'aws-cdk-lib/aws-iam';
import { BUCKET_TYPE_FACTS, BucketType, EncryptionMode, MODE_FACTS } from './encryption-mode';

/** The encryption condition keys of S3 write requests. */
export const SSE_HEADER = 's3:x-amz-server-side-encryption';
export const SSE_KMS_KEY_HEADER = 's3:x-amz-server-side-encryption-aws-kms-key-id';
export const SSE_C_ALGORITHM_HEADER = 's3:x-amz-server-side-encryption-customer-algorithm';

/**
 * The stable statement ids of the bucket policy, and of the organization's resource control
 * policy (`OrganizationEncryptionPolicy`), which uses the same id wherever a statement means the
 * same. Each says what the statement denies.
 */
export enum EncryptionPolicySid {
  /** Any request over plain HTTP (`aws:SecureTransport` is false). */
  DENY_INSECURE_TRANSPORT = 'DenyInsecureTransport',
  /**
   * Any request over a TLS version below the minimum (`minimumTLSVersion` of an `EncryptedBucket`,
   * `minimumTlsVersion` of an `OrganizationEncryptionPolicy`).
   */
  DENY_OUTDATED_TLS = 'DenyOutdatedTlsVersion',
  /**
   * An upload, replica or re-encryption that names another algorithm than the bucket's mode
   * (requests without the header pass: they get the bucket default).
   */
  DENY_INCORRECT_ENCRYPTION_HEADER = 'DenyIncorrectEncryptionHeader',
  /**
   * An upload or replica whose KMS key id is another key than the bucket's (requests that carry no
   * key id pass this one). For KMS_MANAGED, "the bucket's key" is `aws/s3`.
   */
  DENY_INCORRECT_ENCRYPTION_KEY = 'DenyIncorrectEncryptionKey',
  /** An upload or replica that says `aws:kms` / `aws:kms:dsse` without a key id: S3 would use `aws/s3` instead. */
  DENY_MISSING_ENCRYPTION_KEY_ID = 'DenyMissingEncryptionKeyId',
  /** Every mode but CUSTOMER_PROVIDED: an upload or replica with SSE-C headers. */
  DENY_CUSTOMER_PROVIDED_KEYS = 'DenyCustomerProvidedKeys',
  /** CUSTOMER_PROVIDED: an upload or replica without SSE-C headers. */
  DENY_MISSING_CUSTOMER_PROVIDED_KEY = 'DenyMissingCustomerProvidedKey',
  /**
   * KMS and KMS_MANAGED: `s3:UpdateObjectEncryption` to any key but the bucket's (or `aws/s3`),
   * including a request whose key id S3 did not fill in.
   */
  DENY_UPDATE_OBJECT_ENCRYPTION_TO_OTHER_KEY = 'DenyUpdateObjectEncryptionToOtherKey',
  /**
   * S3_MANAGED, DSSE_KMS and CUSTOMER_PROVIDED: every `s3:UpdateObjectEncryption`, which can only
   * turn objects into single-layer SSE-KMS objects.
   */
  DENY_UPDATE_OBJECT_ENCRYPTION = 'DenyUpdateObjectEncryption',
  /** Strict mode (`requireEncryptionHeaders`): an upload without an encryption header. */
  DENY_UNENCRYPTED_OBJECT_UPLOADS = 'DenyUnencryptedObjectUploads',
  /**
   * Resource control policy with `keyAccounts`: an upload or replica that names an algorithm and
   * a KMS key of an account that is neither the bucket's nor one of `keyAccounts`.
   */
  DENY_ENCRYPTION_KEY_OF_OTHER_ACCOUNT = 'DenyEncryptionKeyOfOtherAccount',
  /**
   * Resource control policy with `keyAccounts`: `s3:UpdateObjectEncryption` to a key of an
   * account that is neither the bucket's nor one of `keyAccounts`.
   */
  DENY_UPDATE_OBJECT_ENCRYPTION_TO_OTHER_ACCOUNT_KEY = 'DenyUpdateObjectEncryptionToOtherAccountKey',
  /**
   * `EncryptedTableBucket` with a KMS key: `s3tables:DeleteTableBucketEncryption`, which would
   * return the table bucket to SSE-S3 for new tables.
   */
  DENY_ENCRYPTION_CONFIGURATION_REMOVAL = 'DenyEncryptionConfigurationRemoval',
  /**
   * Resource control policy with `requireTaggedKey`, on a bucket that carries the key-ARN tag: an
   * upload or replica whose KMS key id is another key than the tagged one (requests that carry no
   * key id pass this one).
   */
  DENY_KEY_OTHER_THAN_TAGGED = 'DenyKeyOtherThanTaggedKey',
  /**
   * Resource control policy with `requireTaggedKey`, on a tagged bucket: an upload or replica that
   * says `aws:kms` / `aws:kms:dsse` without a key id (S3 would use `aws/s3`, not the tagged key).
   */
  DENY_TAGGED_BUCKET_MISSING_KEY_ID = 'DenyTaggedBucketMissingKeyId',
  /**
   * Resource control policy with `requireTaggedKey`, on a tagged bucket: an upload or replica that
   * names an algorithm without a KMS key (`AES256`), so not the tagged key.
   */
  DENY_TAGGED_BUCKET_ALGORITHM_WITHOUT_KMS = 'DenyTaggedBucketAlgorithmWithoutKms',
  /**
   * Resource control policy with `requireTaggedKey`, on a tagged bucket: `s3:UpdateObjectEncryption`
   * to any key but the tagged one, including a request whose key id S3 did not fill in.
   */
  DENY_UPDATE_OBJECT_ENCRYPTION_TO_OTHER_THAN_TAGGED_KEY = 'DenyUpdateObjectEncryptionToOtherThanTaggedKey',
  /**
   * Service control policy with `requireTaggedKey`: `s3:TagResource` / `s3:UntagResource` that set
   * or remove the key-ARN tag, by a principal other than the tag administrators.
   */
  DENY_KEY_ARN_TAG_CHANGE = 'DenyKeyArnTagChange',
  /**
   * Service control policy with `requireTaggedKey`: `s3:PutBucketTagging` (which replaces, or with
   * DeleteBucketTagging removes, every tag and carries no `aws:TagKeys`), by a principal other than
   * the tag administrators.
   */
  DENY_BUCKET_TAGGING_REPLACE = 'DenyBucketTaggingReplace',
  /** Service control policy with `requireTaggedKey`: `s3:PutBucketAbac` by a principal other than the tag administrators. */
  DENY_BUCKET_ABAC_CHANGE = 'DenyBucketAbacChange',
  /**
   * Service control policy with `requireTaggedKey`: `s3:PutEncryptionConfiguration` (which also
   * authorizes DeleteBucketEncryption) by a principal other than the tag administrators.
   */
  DENY_DEFAULT_ENCRYPTION_CHANGE = 'DenyDefaultEncryptionChange',
}

/**
 * The bucket tag whose value is the full ARN of the bucket's KMS key (`EncryptedBucket` with
 * `keyArnTag: true`), read by the resource control policy of `OrganizationEncryptionPolicy` with
 * `requireTaggedKey: true`.
 */
export const KEY_ARN_TAG_KEY = 'cdk-s3-encryption:kms-key-arn';

/** What the bucket policy statements depend on. */
export interface EncryptionPolicyOptions {
  /** The bucket's ARN (a token is fine). */
  readonly bucketArn: string;
  /** The encryption mode. */
  readonly mode: EncryptionMode;
  /** The full ARN of the customer managed key; required for KMS and DSSE_KMS. */
  readonly keyArn?: string;
  /**
   * The ways S3 may name the AWS managed key `aws/s3` of the bucket's account and region (its key
   * ARN, and its alias ARN); required for KMS_MANAGED.
   */
  readonly awsManagedKeyArns?: string[];
  /** Deny uploads that carry no encryption header. */
  readonly requireEncryptionHeaders: boolean;
  /** Deny requests over TLS versions below this one. */
  readonly minimumTlsVersion?: number;
}

/** The write actions whose requests carry the encryption condition keys. */
const PUT = 's3:PutObject';
const REPLICATE = 's3:ReplicateObject';
const UPDATE_ENCRYPTION = 's3:UpdateObjectEncryption';

/**
 * The deny statements of a bucket policy for one encryption mode, in a fixed order.
 *
 * Three actions write encryption: `s3:PutObject` (PutObject, POST, CopyObject and every step of
 * a multipart upload), `s3:ReplicateObject` (replicas keep the source's encryption; the bucket
 * default is not applied) and `s3:UpdateObjectEncryption` (re-encrypts an object in place under
 * an SSE-KMS key it names by full ARN).
 *
 * The statements must be right whichever way S3 fills the key-id condition key: only from the
 * header, or with the key it will actually use (the bucket default for a header-less upload,
 * `aws/s3` for `aws:kms` without a key id). So no statement denies merely because a key id is
 * present: each "wrong value" statement compares the value, and pairs its negated condition with
 * `Null {key: false}` so that it fires only when the key is present (a negated operator alone is
 * also true when the key is absent, and would deny header-less uploads). The one exception is
 * `s3:UpdateObjectEncryption`, which always names its key: there an absent key id is denied.
 *
 * | mode              | wrong algorithm | wrong key id  | aws:kms, no key id | SSE-C    | UpdateObjectEncryption |
 * |-------------------|-----------------|---------------|--------------------|----------|------------------------|
 * | S3_MANAGED        | != AES256       |               |                    | denied   | denied                 |
 * | KMS               | != aws:kms      | != key ARN    | denied             | denied   | only to the key ARN    |
 * | KMS_MANAGED       | != aws:kms      | != aws/s3     | (aws/s3: allowed)  | denied   | only to aws/s3         |
 * | DSSE_KMS          | != aws:kms:dsse | != key ARN    | denied             | denied   | denied                 |
 * | CUSTOMER_PROVIDED | any             |               |                    | required | denied                 |
 */
export function encryptionPolicyStatements(options: EncryptionPolicyOptions): iam.PolicyStatement[] {
  const { bucketArn, mode } = options;
  const target = bucketTarget(bucketArn);
  const statements: iam.PolicyStatement[] = [denyInsecureTransportOn(target)];
  if (options.minimumTlsVersion !== undefined) {
    statements.push(denyOutdatedTlsOn(target, options.minimumTlsVersion));
  }

  const algorithm = MODE_FACTS[mode].uploadHeader;
  if (mode === EncryptionMode.CUSTOMER_PROVIDED) {
    // SSE-C uploads name no server-side algorithm: any that does is not SSE-C.
    statements.push(denyOn(target, EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_HEADER, [PUT, REPLICATE], {
      Null: { [SSE_HEADER]: 'false' },
    }));
    // Every SSE-C request (including each UploadPart) carries the customer algorithm header.
    statements.push(denyOn(target, EncryptionPolicySid.DENY_MISSING_CUSTOMER_PROVIDED_KEY, [PUT, REPLICATE], {
      Null: { [SSE_C_ALGORITHM_HEADER]: 'true' },
    }));
    statements.push(denyOn(target, EncryptionPolicySid.DENY_UPDATE_OBJECT_ENCRYPTION, [UPDATE_ENCRYPTION], undefined));
    return statements;
  }

  // The keys an object may be encrypted under: the bucket's own, or aws/s3 for KMS_MANAGED.
  const allowedKeys = allowedKeyIds(options);
  // UpdateObjectEncryption can only produce single-layer SSE-KMS (aws:kms): only the modes whose
  // objects are that may allow it, and only to their own key.
  const reencrypts = allowedKeys !== undefined && MODE_FACTS[mode].uploadHeader === 'aws:kms';

  statements.push(denyIncorrectAlgorithmOn(target, reencrypts ? [PUT, REPLICATE, UPDATE_ENCRYPTION] : [PUT, REPLICATE], [algorithm!]));
  if (allowedKeys !== undefined) {
    statements.push(denyOn(target, EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_KEY, [PUT, REPLICATE], {
      StringNotEquals: { [SSE_KMS_KEY_HEADER]: single(allowedKeys) },
      Null: { [SSE_KMS_KEY_HEADER]: 'false' },
    }));
  }
  if (MODE_FACTS[mode].key === 'customerManaged') {
    // Read "the header names the algorithm and no key": if S3 fills in aws/s3 instead, the
    // statement above denies the same request.
    statements.push(denyOn(target, EncryptionPolicySid.DENY_MISSING_ENCRYPTION_KEY_ID, [PUT, REPLICATE], {
      StringEquals: { [SSE_HEADER]: algorithm },
      Null: { [SSE_KMS_KEY_HEADER]: 'true' },
    }));
  }
  statements.push(denyCustomerProvidedKeysOn(target));
  if (reencrypts) {
    // No Null guard: UpdateObjectEncryption always names its key, so a request without a key id
    // is one whose key S3 did not put in the context, and it is denied rather than trusted.
    statements.push(denyOn(target, EncryptionPolicySid.DENY_UPDATE_OBJECT_ENCRYPTION_TO_OTHER_KEY, [UPDATE_ENCRYPTION], {
      StringNotEquals: { [SSE_KMS_KEY_HEADER]: single(allowedKeys) },
    }));
  } else {
    statements.push(denyOn(target, EncryptionPolicySid.DENY_UPDATE_OBJECT_ENCRYPTION, [UPDATE_ENCRYPTION], undefined));
  }
  if (options.requireEncryptionHeaders) {
    statements.push(denyUnencryptedUploadsOn(target));
  }
  return statements;
}

/** The key ids a KMS mode accepts; undefined for modes without KMS. Throws when a required input is missing. */
function allowedKeyIds(options: EncryptionPolicyOptions): string[] | undefined {
  switch (MODE_FACTS[options.mode].key) {
    case 'customerManaged':
      if (!options.keyArn) throw new Error(`a key ARN is required for ${options.mode}`);
      return [options.keyArn];
    case 'awsManaged':
      if (!options.awsManagedKeyArns || options.awsManagedKeyArns.length === 0) {
        throw new Error(`the ARNs of aws/s3 are required for ${options.mode}`);
      }
      return options.awsManagedKeyArns;
    case 'none':
      return undefined;
  }
}

function single(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : values;
}

/**
 * Deny every request over plain HTTP, in the exact shape that compliance checkers read
 * (AWS Config s3-bucket-ssl-requests-only, Security Hub S3.5, cdk-nag S3BucketSSLRequestsOnly).
 */
export function denyInsecureTransport(bucketArn: string): iam.PolicyStatement {
  return denyInsecureTransportOn(bucketTarget(bucketArn));
}

// ---------------------------------------------------------------------------------------------
// The shared builders. The bucket policy above and the organization's resource control policy
// (`organizationPolicyStatements` below) are both made of these, so a rule is written once.
// ---------------------------------------------------------------------------------------------

/** IAM condition operators, each with its keys and values. */
export type Conditions = Record<string, Record<string, unknown>>;

/**
 * What a set of deny statements applies to: one bucket, or every S3 resource that a resource
 * control policy covers.
 */
export interface StatementTarget {
  /** The resources of the transport rules, which cover every S3 request. */
  readonly anyResource: string[];
  /** The resources of the rules about objects (encryption). */
  readonly objects: string[];
  /**
   * Conditions added to every rule about objects (not to the transport rules), after the rule's
   * own: for example, principals that the encryption rules do not apply to.
   */
  readonly objectRuleExemption?: Conditions;
}

/** The statement target of one bucket: the bucket and its objects. */
export function bucketTarget(bucketArn: string): StatementTarget {
  const objects = `${bucketArn}/*`;
  return { anyResource: [bucketArn, objects], objects: [objects] };
}

/** `DenyInsecureTransport`: any S3 request over plain HTTP. */
export function denyInsecureTransportOn(target: StatementTarget): iam.PolicyStatement {
  return deny(EncryptionPolicySid.DENY_INSECURE_TRANSPORT, ['s3:*'], target.anyResource, {
    Bool: { 'aws:SecureTransport': 'false' },
  });
}

/** `DenyOutdatedTlsVersion`: any S3 request over a TLS version below `minimumTlsVersion`. */
export function denyOutdatedTlsOn(target: StatementTarget, minimumTlsVersion: number): iam.PolicyStatement {
  return deny(EncryptionPolicySid.DENY_OUTDATED_TLS, ['s3:*'], target.anyResource, {
    NumericLessThan: { 's3:TlsVersion': minimumTlsVersion },
  });
}

/**
 * `DenyIncorrectEncryptionHeader`: a write that names an algorithm other than `algorithms`, only
 * when it names one (a write without the header gets the bucket default, or keeps its source's).
 */
export function denyIncorrectAlgorithmOn(target: StatementTarget, actions: string[], algorithms: string[]): iam.PolicyStatement {
  return denyOn(target, EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_HEADER, actions, {
    StringNotEquals: { [SSE_HEADER]: single(algorithms) },
    Null: { [SSE_HEADER]: 'false' },
  });
}

/** `DenyCustomerProvidedKeys`: an upload or replica that carries SSE-C headers. */
export function denyCustomerProvidedKeysOn(target: StatementTarget): iam.PolicyStatement {
  return denyOn(target, EncryptionPolicySid.DENY_CUSTOMER_PROVIDED_KEYS, [PUT, REPLICATE], {
    Null: { [SSE_C_ALGORITHM_HEADER]: 'false' },
  });
}

/**
 * `DenyUnencryptedObjectUploads` (strict mode): an upload without an encryption header. `unless`
 * adds conditions under which it does not apply (for example, AWS service principals).
 */
export function denyUnencryptedUploadsOn(target: StatementTarget, unless?: Conditions): iam.PolicyStatement {
  return denyOn(target, EncryptionPolicySid.DENY_UNENCRYPTED_OBJECT_UPLOADS, [PUT], mergeConditions({
    Null: { [SSE_HEADER]: 'true' },
  }, unless));
}

/**
 * A write (`actions`) whose key id is present and matches none of `keyArnPatterns`
 * (`StringNotLike`, so the patterns may hold `*` and policy variables). With `onlyWithAlgorithm`
 * it fires only when the request also names an algorithm, i.e. when the client chose the key
 * rather than S3 filling in the bucket default.
 */
export function denyKeyNotMatchingOn(target: StatementTarget, sid: string, actions: string[], keyArnPatterns: string[],
  onlyWithAlgorithm: boolean): iam.PolicyStatement {
  const present: Record<string, string> = { [SSE_KMS_KEY_HEADER]: 'false' };
  if (onlyWithAlgorithm) present[SSE_HEADER] = 'false';
  return denyOn(target, sid, actions, {
    StringNotLike: { [SSE_KMS_KEY_HEADER]: single(keyArnPatterns) },
    Null: present,
  });
}

/** The write actions whose requests carry the encryption condition keys. */
export const WRITE_ACTIONS = { PUT, REPLICATE, UPDATE_ENCRYPTION } as const;

/** A deny statement about objects: the target's object resources and its exemption. */
function denyOn(target: StatementTarget, sid: string, actions: string[], conditions: Conditions | undefined): iam.PolicyStatement {
  return deny(sid, actions, target.objects, mergeConditions(conditions, target.objectRuleExemption));
}

/** `extra` after `base`, operator by operator; undefined when both are. */
function mergeConditions(base: Conditions | undefined, extra: Conditions | undefined): Conditions | undefined {
  if (extra === undefined) return base;
  const out: Conditions = {};
  for (const source of [base ?? {}, extra]) {
    for (const [operator, keys] of Object.entries(source)) {
      for (const key of Object.keys(keys)) {
        if (out[operator] && key in out[operator]) {
          throw new Error(`condition ${operator} ${key} is set twice`);
        }
      }
      out[operator] = { ...out[operator], ...keys };
    }
  }
  return out;
}

function deny(sid: string, actions: string[], resources: string[], conditions: Conditions | undefined): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.StarPrincipal()],
    actions,
    resources,
    conditions,
  });
}

/** What the statements of the organization's resource control policy depend on. */
export interface OrganizationPolicyOptions {
  /** The `x-amz-server-side-encryption` values a write may name; undefined for any. */
  readonly allowedAlgorithms?: string[];
  /** Accounts whose KMS keys a write may name, besides the bucket's own account; undefined for any. */
  readonly keyAccounts?: string[];
  /** Deny requests over TLS versions below this one. */
  readonly minimumTlsVersion?: number;
  /** Deny uploads that carry no encryption header, except from AWS service principals. */
  readonly requireEncryptionHeaders: boolean;
  /** Principals (ARNs of named accounts) that the encryption rules do not apply to. */
  readonly exemptPrincipalArns?: string[];
  /** On buckets that carry the key-ARN tag (`KEY_ARN_TAG_KEY`), deny keys other than the tagged one. */
  readonly requireTaggedKey?: boolean;
}

/**
 * The statements of a resource control policy (RCP) with the bucket policy's rules at
 * organization scope: every S3 resource of the accounts it is attached to, whatever bucket.
 *
 * An RCP knows no bucket, so it cannot compare with "the bucket's key" or "the bucket's mode";
 * it can only narrow what any write may name. Each rule stays default-aware, and right whichever
 * way S3 fills the key-id condition key:
 *
 * | rule                       | denies                                                      | why it is safe for header-less writes                  |
 * |----------------------------|-------------------------------------------------------------|--------------------------------------------------------|
 * | transport                  | plain HTTP; TLS below `minimumTlsVersion`                   | (not about encryption)                                 |
 * | `allowedAlgorithms`        | a named algorithm outside the list (uploads, replicas, re-encryption) | `Null {algorithm: false}`                    |
 * | `keyAccounts`, uploads     | a named key outside the bucket's account and `keyAccounts`  | fires only when the write also names an algorithm: a key S3 fills in for a header-less write is never judged |
 * | `keyAccounts`, re-encrypt  | `UpdateObjectEncryption` to a key outside those accounts    | `Null {key id: false}`                                 |
 * | SSE-C                      | an upload or replica with SSE-C headers                     | (header-less writes carry none)                        |
 * | strict mode                | an upload without the algorithm header, unless an AWS service principal makes it | (that is its purpose)          |
 *
 * The bucket's own account is always among the key accounts: `aws:kms` without a key id is
 * encrypted under `aws/s3`, and S3 may put that key's ARN (an own-account ARN) in the key-id
 * condition key, so an RCP cannot tell it from a named own-account key. Every rule about objects
 * has the exemption of `exemptPrincipalArns`; the transport rules apply to everyone.
 */
export function organizationPolicyStatements(options: OrganizationPolicyOptions): iam.PolicyStatement[] {
  const exempt = options.exemptPrincipalArns ?? [];
  const target: StatementTarget = {
    anyResource: ['*'],
    objects: ['*'],
    objectRuleExemption: exempt.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': single(exempt) } } : undefined,
  };
  const statements: iam.PolicyStatement[] = [denyInsecureTransportOn(target)];
  if (options.minimumTlsVersion !== undefined) {
    statements.push(denyOutdatedTlsOn(target, options.minimumTlsVersion));
  }
  if (options.allowedAlgorithms !== undefined) {
    statements.push(denyIncorrectAlgorithmOn(target, [PUT, REPLICATE, UPDATE_ENCRYPTION], options.allowedAlgorithms));
  }
  if (options.keyAccounts !== undefined) {
    const patterns = [RESOURCE_ACCOUNT_VARIABLE, ...options.keyAccounts].map((account) => `arn:*:kms:*:${account}:*`);
    statements.push(denyKeyNotMatchingOn(target, EncryptionPolicySid.DENY_ENCRYPTION_KEY_OF_OTHER_ACCOUNT,
      [PUT, REPLICATE], patterns, true));
    // UpdateObjectEncryption always names its key, so no algorithm guard is needed.
    statements.push(denyKeyNotMatchingOn(target, EncryptionPolicySid.DENY_UPDATE_OBJECT_ENCRYPTION_TO_OTHER_ACCOUNT_KEY,
      [UPDATE_ENCRYPTION], patterns, false));
  }
  statements.push(denyCustomerProvidedKeysOn(target));
  if (options.requireEncryptionHeaders) {
    // AWS services (S3 server access log delivery, for one) write without the header.
    statements.push(denyUnencryptedUploadsOn(target, { BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } }));
  }
  if (options.requireTaggedKey) {
    statements.push(...taggedKeyStatements(target));
  }
  return statements;
}

/** The condition key of the key-ARN bucket tag, and the policy variable that reads it. */
export const KEY_ARN_TAG_CONDITION_KEY = `s3:BucketTag/${KEY_ARN_TAG_KEY}`;
const KEY_ARN_TAG_VARIABLE = `\${${KEY_ARN_TAG_CONDITION_KEY}}`;

/** The algorithms that name a KMS key. */
const KMS_ALGORITHMS = ['aws:kms', 'aws:kms:dsse'];

/**
 * The rules of `requireTaggedKey`: on a bucket that carries the key-ARN tag, every write is under
 * the tagged key or under the bucket default. Each statement has an explicit `Null {tag: false}`,
 * so a bucket without the tag (or without ABAC, where S3 puts no bucket tag in the context) is
 * never judged, whatever AWS makes of a policy variable with no value.
 *
 * | statement (tagged buckets only)         | denies                                           | why header-less writes pass                  |
 * |-----------------------------------------|--------------------------------------------------|----------------------------------------------|
 * | `DenyKeyOtherThanTaggedKey`             | a key id other than the tag (upload, replica)    | `Null {key id: false}`; under the effective readings S3 fills in the default, which equals the tag |
 * | `DenyTaggedBucketMissingKeyId`          | `aws:kms`/`aws:kms:dsse` without a key id (`aws/s3`) | `Null {algorithm: false}` via `StringEquals` |
 * | `DenyTaggedBucketAlgorithmWithoutKms`   | an algorithm without a KMS key (`AES256`)        | `Null {algorithm: false}`                    |
 * | `DenyUpdateObjectEncryptionToOtherThanTaggedKey` | re-encryption to any other key, or with no key id | (it always names its key)         |
 */
function taggedKeyStatements(target: StatementTarget): iam.PolicyStatement[] {
  const tagged = { [KEY_ARN_TAG_CONDITION_KEY]: 'false' };
  return [
    denyOn(target, EncryptionPolicySid.DENY_KEY_OTHER_THAN_TAGGED, [PUT, REPLICATE], {
      StringNotEquals: { [SSE_KMS_KEY_HEADER]: KEY_ARN_TAG_VARIABLE },
      Null: { [SSE_KMS_KEY_HEADER]: 'false', ...tagged },
    }),
    denyOn(target, EncryptionPolicySid.DENY_TAGGED_BUCKET_MISSING_KEY_ID, [PUT, REPLICATE], {
      StringEquals: { [SSE_HEADER]: KMS_ALGORITHMS },
      Null: { [SSE_KMS_KEY_HEADER]: 'true', ...tagged },
    }),
    denyOn(target, EncryptionPolicySid.DENY_TAGGED_BUCKET_ALGORITHM_WITHOUT_KMS, [PUT, REPLICATE], {
      StringNotEquals: { [SSE_HEADER]: KMS_ALGORITHMS },
      Null: { [SSE_HEADER]: 'false', ...tagged },
    }),
    // No Null guard on the key id: UpdateObjectEncryption always names its key.
    denyOn(target, EncryptionPolicySid.DENY_UPDATE_OBJECT_ENCRYPTION_TO_OTHER_THAN_TAGGED_KEY, [UPDATE_ENCRYPTION], {
      StringNotEquals: { [SSE_KMS_KEY_HEADER]: KEY_ARN_TAG_VARIABLE },
      Null: tagged,
    }),
  ];
}

/** The actions of the service control policy that guards the key-ARN tag. */
const TAG_ACTIONS = ['s3:TagResource', 's3:UntagResource'];

/**
 * The statements of the service control policy (SCP) that guards what `requireTaggedKey` relies
 * on, for every principal of the target accounts but `tagAdminPrincipalArns`:
 *
 * | statement                     | denies                                                                 |
 * |-------------------------------|------------------------------------------------------------------------|
 * | `DenyKeyArnTagChange`         | `s3:TagResource` / `s3:UntagResource` whose `aws:TagKeys` holds the key-ARN tag (any of the keys) |
 * | `DenyBucketTaggingReplace`    | `s3:PutBucketTagging`: it replaces every tag and carries no `aws:TagKeys` (it also authorizes DeleteBucketTagging) |
 * | `DenyBucketAbacChange`        | `s3:PutBucketAbac`: turning ABAC off would hide the tag from the RCP    |
 * | `DenyDefaultEncryptionChange` | `s3:PutEncryptionConfiguration` (also DeleteBucketEncryption)          |
 *
 * An SCP names no principal (`Principal` is not part of its grammar): it applies to the principals
 * of the accounts it is attached to, so an exemption by ARN is all it takes.
 */
export function tagGuardStatements(tagAdminPrincipalArns: string[]): iam.PolicyStatement[] {
  const exempt: Conditions = { ArnNotLike: { 'aws:PrincipalArn': single(tagAdminPrincipalArns) } };
  const guard = (sid: string, actions: string[], conditions?: Conditions) => new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    actions,
    resources: ['*'],
    conditions: mergeConditions(conditions, exempt),
  });
  return [
    guard(EncryptionPolicySid.DENY_KEY_ARN_TAG_CHANGE, TAG_ACTIONS, {
      'ForAnyValue:StringEquals': { 'aws:TagKeys': KEY_ARN_TAG_KEY },
    }),
    guard(EncryptionPolicySid.DENY_BUCKET_TAGGING_REPLACE, ['s3:PutBucketTagging']),
    guard(EncryptionPolicySid.DENY_BUCKET_ABAC_CHANGE, ['s3:PutBucketAbac']),
    guard(EncryptionPolicySid.DENY_DEFAULT_ENCRYPTION_CHANGE, ['s3:PutEncryptionConfiguration']),
  ];
}

/** The IAM policy variable for the account that owns the resource of the request. */
export const RESOURCE_ACCOUNT_VARIABLE = '${aws:ResourceAccount}';

/** What the resource policy of a directory, table or vector bucket depends on. */
export interface BucketTypePolicyOptions {
  readonly type: BucketType;
  /** The bucket's ARN (a token is fine). */
  readonly bucketArn: string;
  /** S3_MANAGED or KMS (the modes every bucket type supports). */
  readonly mode: EncryptionMode;
  /**
   * The ways a request may name the bucket's customer managed key: its full ARN first, then any
   * other form the service accepts for the same key (a directory bucket also takes the key id).
   * Required for KMS.
   */
  readonly keyIds?: string[];
}

/**
 * The deny statements of the resource policy of a directory, table or vector bucket, in a fixed
 * order, with the Sids of the general purpose bucket policy wherever a statement means the same.
 * Every "wrong value" statement is default-aware as there: it compares the value and fires only
 * when the request carries the key (`Null {key: false}`), so a request that names nothing and
 * gets the bucket default passes.
 *
 * | statement                            | actions                         | denies                                                     |
 * |--------------------------------------|---------------------------------|------------------------------------------------------------|
 * | DenyInsecureTransport                | `<service>:*`                   | plain HTTP                                                 |
 * | DenyIncorrectEncryptionHeader        | the type's encryption actions   | a named algorithm other than the mode's                   |
 * | DenyIncorrectEncryptionKey           | the type's encryption actions   | KMS: a named key other than the bucket's; SSE-S3: any named key |
 * | DenyMissingEncryptionKeyId (KMS)     | the type's encryption actions   | `aws:kms` without a key, where the type does not document that it means the bucket's key (table, vector) |
 * | DenyEncryptionConfigurationRemoval   | `s3tables:DeleteTableBucketEncryption` | (table buckets with a KMS key) a return to SSE-S3   |
 */
export function bucketTypePolicyStatements(options: BucketTypePolicyOptions): iam.PolicyStatement[] {
  const facts = BUCKET_TYPE_FACTS[options.type];
  const modeFacts = MODE_FACTS[options.mode];
  if (!facts.modes.includes(options.mode)) {
    throw new Error(`${options.mode} is not a mode of a ${facts.description}`);
  }
  // A directory bucket policy names the bucket only: access to objects is authorized by CreateSession on the bucket.
  const resources = options.type === 'directory' ? [options.bucketArn] : [options.bucketArn, `${options.bucketArn}/*`];
  const actions = [...facts.encryptionActions];
  const statements: iam.PolicyStatement[] = [
    deny(EncryptionPolicySid.DENY_INSECURE_TRANSPORT, [`${facts.service}:*`], resources, {
      Bool: { 'aws:SecureTransport': 'false' },
    }),
    deny(EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_HEADER, actions, resources, {
      StringNotEquals: { [facts.algorithmKey]: modeFacts.defaultAlgorithm },
      Null: { [facts.algorithmKey]: 'false' },
    }),
  ];
  if (modeFacts.key === 'customerManaged') {
    if (!options.keyIds || options.keyIds.length === 0) throw new Error(`a key is required for ${options.mode}`);
    statements.push(deny(EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_KEY, actions, resources, {
      StringNotEquals: { [facts.keyIdKey]: single(options.keyIds) },
      Null: { [facts.keyIdKey]: 'false' },
    }));
    if (!facts.kmsWithoutKeyIdUsesBucketKey) {
      statements.push(deny(EncryptionPolicySid.DENY_MISSING_ENCRYPTION_KEY_ID, actions, resources, {
        StringEquals: { [facts.algorithmKey]: modeFacts.defaultAlgorithm },
        Null: { [facts.keyIdKey]: 'true' },
      }));
    }
    if (options.type === 'table') {
      statements.push(deny(EncryptionPolicySid.DENY_ENCRYPTION_CONFIGURATION_REMOVAL,
        ['s3tables:DeleteTableBucketEncryption'], [options.bucketArn], undefined));
    }
  } else {
    // SSE-S3 has no key: a request that names one asks for something else. No reading has the
    // service fill a key in for an SSE-S3 bucket, so the presence of the key is enough.
    statements.push(deny(EncryptionPolicySid.DENY_INCORRECT_ENCRYPTION_KEY, actions, resources, {
      Null: { [facts.keyIdKey]: 'false' },
    }));
  }
  return statements;
}

import { Names, Stack, Token } from 'aws-cdk-lib';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import { UPLOAD_ALGORITHMS } from './encryption-mode';
import { EncryptionValidationError } from './errors';
import { KEY_ARN_TAG_KEY, organizationPolicyStatements, tagGuardStatements } from './policy-statements';
import { minifiedLength, POLICY_VERSION, RCP_MAX_CHARACTERS, rcpGrammarViolations, scpGrammarViolations } from './private/rcp-grammar';
import { constructPath, describeValue, isPlainObjectOrUndefined } from './private/validate';

/** Props of `OrganizationEncryptionPolicy`. */
export interface OrganizationEncryptionPolicyProps {
  /**
   * Where the policy is attached: the organization root (`r-...`), organizational units
   * (`ou-...-...`) or member accounts (12-digit ids). The management account is never affected
   * by an RCP, even when it is a target.
   */
  readonly targetIds: string[];

  /**
   * The name of the policy in AWS Organizations.
   *
   * @default - a name made from the construct path, unique in the app
   */
  readonly policyName?: string;

  /**
   * The description of the policy in AWS Organizations.
   *
   * @default - a sentence that names the rules the policy holds
   */
  readonly description?: string;

  /**
   * The `x-amz-server-side-encryption` values that an upload, replica or `UpdateObjectEncryption`
   * may name: any of `AES256`, `aws:kms`, `aws:kms:dsse`. A write that names another is denied; a
   * write that names none is not (the bucket's default encryption applies). An error is raised
   * for an empty list or an unknown value.
   *
   * @default - any algorithm S3 accepts
   */
  readonly allowedAlgorithms?: string[];

  /**
   * Accounts (12-digit ids) whose KMS keys an upload, replica or `UpdateObjectEncryption` may
   * name, for example a central key account. Keys of the bucket's own account are always accepted:
   * an RCP cannot tell them from the `aws/s3` key S3 uses for `aws:kms` without a key id. A write
   * that names no key is not denied. Name keys by their full ARN: a bare key id or an alias name
   * matches no account, so such a write is denied.
   *
   * @default - a key of any account
   */
  readonly keyAccounts?: string[];

  /**
   * Deny every S3 request over a TLS version below this one: `1.2` or `1.3`.
   *
   * @default - no TLS-version statement (AWS endpoints already require TLS 1.2)
   */
  readonly minimumTlsVersion?: number;

  /**
   * Strict mode: deny every upload without an `x-amz-server-side-encryption` header, except those
   * of AWS service principals (`aws:PrincipalIsAWSService`, e.g. S3 server access log delivery).
   * It breaks every client that relies on default encryption, and every multipart upload
   * (`UploadPart` never carries the header). Only for organizations that control every writer.
   *
   * @default false
   */
  readonly requireEncryptionHeaders?: boolean;

  /**
   * IAM principals (ARNs) that the encryption rules do not apply to, such as break-glass roles.
   * The transport rules (plain HTTP, `minimumTlsVersion`) apply to them too.
   *
   * Each ARN must name its 12-digit account: `aws:PrincipalArn` matches principals of any
   * account, so a wildcard account (`arn:aws:iam::*:role/BreakGlass`) would also exempt a
   * same-named role of an account outside the organization, wherever a bucket policy lets it in.
   * The name part may hold wildcards (`arn:aws:iam::111122223333:role/BreakGlass*`). An error is
   * raised for a wildcard or missing account.
   *
   * @default - none
   */
  readonly exemptPrincipalArns?: string[];

  /**
   * Give each bucket its own key: on every bucket that carries the tag `KEY_ARN_TAG_KEY`
   * (`EncryptedBucket` with `keyArnTag: true`, whose value is the full ARN of the bucket's key),
   * deny an upload, replica or `UpdateObjectEncryption` that names another key, `aws:kms` without
   * a key id, or an algorithm without a KMS key. Writes that name nothing still pass (the bucket
   * default applies, which is the tagged key). Buckets without the tag are not affected.
   *
   * It also makes a second policy, a service control policy (SCP) with the same targets, that
   * keeps every principal but `tagAdminPrincipalArns` from changing or removing the tag
   * (`s3:TagResource`, `s3:UntagResource`, and `s3:PutBucketTagging` altogether), from turning ABAC
   * off (`s3:PutBucketAbac`), and from changing default encryption
   * (`s3:PutEncryptionConfiguration`) on any bucket of the target accounts. The SCP policy type
   * must be enabled in the organization. An error is raised without `tagAdminPrincipalArns`.
   *
   * The RCP reads the tag through the policy variable `${s3:BucketTag/cdk-s3-encryption:kms-key-arn}`.
   *
   * @default false
   */
  readonly requireTaggedKey?: boolean;

  /**
   * The principals (IAM ARNs, wildcards allowed) that may still tag buckets, turn ABAC on or off
   * and change default encryption under `requireTaggedKey`: the roles that deploy the buckets,
   * such as the CloudFormation execution roles
   * (`arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*`) and the StackSet execution roles
   * (`arn:aws:iam::*:role/stacksets-exec-*`).
   *
   * They are named only in the service control policy, which applies to the principals of the
   * target accounts and to no one else: a wildcard account cannot reach outside the organization
   * there (unlike `exemptPrincipalArns`, which the RCP applies to every caller). Required (and
   * only allowed) with `requireTaggedKey: true`; an error is raised when it is empty or an ARN is
   * malformed.
   *
   * @default - none
   */
  readonly tagAdminPrincipalArns?: string[];
}

/** The algorithms that `allowedAlgorithms` accepts. */
const KNOWN_ALGORITHMS = UPLOAD_ALGORITHMS;
/** TLS versions that `minimumTlsVersion` accepts. */
const TLS_VERSIONS = [1.2, 1.3];
const TARGET_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|\d{12})$/;
const ACCOUNT_ID = /^\d{12}$/;
/** An IAM or STS principal ARN of one named account (no wildcard account: see exemptPrincipalArns). */
const PRINCIPAL_ARN = /^arn:[a-z*-]+:(iam|sts)::\d{12}:\S+$/;
/** An IAM or STS principal ARN whose account may be a wildcard (for the SCP's exemptions). */
const ANY_ACCOUNT_PRINCIPAL_ARN = /^arn:[a-z*-]+:(iam|sts)::(\d{12}|\*):\S+$/;
/** The account field of an ARN-like string, to say what is wrong with it. */
const ARN_ACCOUNT = /^arn:[^:]*:[^:]*:[^:]*:([^:]*):/;

/**
 * A resource control policy (RCP) of AWS Organizations that holds the bucket policy's upload
 * rules for every S3 bucket of the accounts it is attached to, whoever the caller is (principals
 * of other accounts and presigned URLs included): plain HTTP and SSE-C uploads denied; optionally
 * a narrower set of algorithms, of KMS key accounts, a TLS floor and strict mode.
 *
 * It synthesizes one `AWS::Organizations::Policy` of type `RESOURCE_CONTROL_POLICY`, whose
 * `Content` is a JSON object. Deploy it from the management account or a delegated administrator
 * for AWS Organizations, once the RCP policy type is enabled in the organization.
 *
 * It complements `EncryptedBucket`, it does not replace it: an RCP cannot set or check a bucket's
 * default encryption, give each bucket its own key, or reach the management account.
 */
export class OrganizationEncryptionPolicy extends Construct {
  /** The id of the policy in AWS Organizations (`p-...`). */
  public readonly policyId: string;
  /** The ARN of the policy. */
  public readonly policyArn: string;
  /** The policy document, as it is written into `Content`. */
  public readonly policyDocument: any;
  /** With `requireTaggedKey`: the id of the service control policy that guards the tag (`p-...`). */
  public readonly tagGuardPolicyId?: string;
  /** With `requireTaggedKey`: the ARN of the service control policy that guards the tag. */
  public readonly tagGuardPolicyArn?: string;
  /** With `requireTaggedKey`: the document of the service control policy that guards the tag. */
  public readonly tagGuardPolicyDocument?: any;

  constructor(scope: Construct, id: string, props: OrganizationEncryptionPolicyProps) {
    const options = validate(scope, id, props);
    super(scope, id);
    const owner = `OrganizationEncryptionPolicy '${this.node.path}'`;

    const statements = organizationPolicyStatements(options);
    const document = { Version: POLICY_VERSION, Statement: statements.map((s) => s.toStatementJson()) };
    const resolved = Stack.of(this).resolve(document);
    const violations = rcpGrammarViolations(resolved);
    if (violations.length > 0) {
      // The statement builders write valid RCPs; this guards against a change to them.
      throw new EncryptionValidationError(`${owner}: the policy breaks the RCP grammar: ${violations.join('; ')}.`);
    }
    const size = minifiedLength(resolved);
    if (size > RCP_MAX_CHARACTERS) {
      throw new EncryptionValidationError(`${owner}: the policy has ${size} characters without whitespace, more than the ` +
        `${RCP_MAX_CHARACTERS} that AWS Organizations accepts for an RCP. Shorten exemptPrincipalArns or keyAccounts ` +
        '(a name wildcard such as arn:aws:iam::111122223333:role/BreakGlass* covers many roles of one account), or split ' +
        'them over two policies.');
    }
    this.policyDocument = document;

    const policy = new organizations.CfnPolicy(this, 'Resource', {
      type: 'RESOURCE_CONTROL_POLICY',
      name: props.policyName ?? Names.uniqueResourceName(this, { maxLength: 128 }),
      description: props.description ?? describeRules(options),
      content: document,
      targetIds: props.targetIds,
    });
    this.policyId = policy.ref;
    this.policyArn = policy.attrArn;

    if (options.tagAdminPrincipalArns) {
      const guardDocument = {
        Version: POLICY_VERSION,
        Statement: tagGuardStatements(options.tagAdminPrincipalArns).map((s) => s.toStatementJson()),
      };
      const resolvedGuard = Stack.of(this).resolve(guardDocument);
      const guardViolations = scpGrammarViolations(resolvedGuard);
      if (guardViolations.length > 0) {
        throw new EncryptionValidationError(`${owner}: the tag guard breaks the SCP grammar: ${guardViolations.join('; ')}.`);
      }
      const guardSize = minifiedLength(resolvedGuard);
      if (guardSize > RCP_MAX_CHARACTERS) {
        throw new EncryptionValidationError(`${owner}: the tag guard (an SCP) has ${guardSize} characters without whitespace, ` +
          `more than the ${RCP_MAX_CHARACTERS} that AWS Organizations accepts. Shorten tagAdminPrincipalArns (a wildcard ` +
          'such as arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-* covers the roles of every target account).');
      }
      this.tagGuardPolicyDocument = guardDocument;
      const guard = new organizations.CfnPolicy(this, 'TagGuard', {
        type: 'SERVICE_CONTROL_POLICY',
        name: props.policyName !== undefined ? `${props.policyName}-tag-guard`.slice(0, 128)
          : Names.uniqueResourceName(this, { maxLength: 118 }) + '-tag-guard',
        description: `Guards the S3 bucket tag ${KEY_ARN_TAG_KEY} that the RCP reads (cdk-s3-encryption): denies changing ` +
          'it, turning ABAC off and changing default encryption, except to the tag administrators',
        content: guardDocument,
        targetIds: props.targetIds,
      });
      this.tagGuardPolicyId = guard.ref;
      this.tagGuardPolicyArn = guard.attrArn;
    }
  }
}

interface ValidatedOptions {
  readonly allowedAlgorithms?: string[];
  readonly keyAccounts?: string[];
  readonly minimumTlsVersion?: number;
  readonly requireEncryptionHeaders: boolean;
  readonly exemptPrincipalArns?: string[];
  readonly requireTaggedKey: boolean;
  /** Set exactly when requireTaggedKey is. */
  readonly tagAdminPrincipalArns?: string[];
}

function validate(scope: Construct, id: string, props: OrganizationEncryptionPolicyProps): ValidatedOptions {
  const owner = `OrganizationEncryptionPolicy '${constructPath(scope, id)}'`;
  if (props === undefined || !isPlainObjectOrUndefined(props)) {
    throw new EncryptionValidationError(`${owner}: props must be an object with targetIds (got ${describeValue(props)}).`);
  }
  const targetIds = stringList(owner, 'targetIds', props.targetIds, 'the root (r-...), OUs (ou-...-...) or 12-digit account ids');
  if (targetIds === undefined || targetIds.length === 0) {
    throw new EncryptionValidationError(`${owner}: targetIds must name at least one target (got ${describeValue(props.targetIds)}). ` +
      'Give the root (r-...), OUs (ou-...-...) or 12-digit account ids.');
  }
  for (const target of literal(targetIds)) {
    if (!TARGET_ID.test(target)) {
      throw new EncryptionValidationError(`${owner}: targetIds must hold the root (r-...), OU ids (ou-<root>-<ou>) or ` +
        `12-digit account ids (got ${JSON.stringify(target)}). Copy the id from AWS Organizations.`);
    }
  }

  const allowedAlgorithms = stringList(owner, 'allowedAlgorithms', props.allowedAlgorithms, KNOWN_ALGORITHMS.join(', '));
  if (allowedAlgorithms !== undefined) {
    if (allowedAlgorithms.length === 0) {
      throw new EncryptionValidationError(`${owner}: allowedAlgorithms must not be empty (got []). Remove it to allow any ` +
        `algorithm, or list some of ${KNOWN_ALGORITHMS.join(', ')}.`);
    }
    for (const algorithm of literal(allowedAlgorithms)) {
      if (!KNOWN_ALGORITHMS.includes(algorithm)) {
        throw new EncryptionValidationError(`${owner}: allowedAlgorithms must hold only ${KNOWN_ALGORITHMS.join(', ')} ` +
          `(got ${JSON.stringify(algorithm)}). SSE-C uploads name no algorithm here: this policy always denies them.`);
      }
    }
  }

  const keyAccounts = stringList(owner, 'keyAccounts', props.keyAccounts, '12-digit account ids');
  if (keyAccounts !== undefined) {
    if (keyAccounts.length === 0) {
      throw new EncryptionValidationError(`${owner}: keyAccounts must not be empty (got []). Remove it to accept keys of ` +
        'any account, or list the 12-digit ids of the accounts that hold your keys.');
    }
    for (const account of literal(keyAccounts)) {
      if (!ACCOUNT_ID.test(account)) {
        throw new EncryptionValidationError(`${owner}: keyAccounts must hold 12-digit account ids (got ${JSON.stringify(account)}). ` +
          'Write the id with its leading zeros, as a string.');
      }
    }
  }

  const minimumTlsVersion = props.minimumTlsVersion;
  if (minimumTlsVersion !== undefined && !Token.isUnresolved(minimumTlsVersion) &&
      !(typeof minimumTlsVersion === 'number' && TLS_VERSIONS.includes(minimumTlsVersion))) {
    throw new EncryptionValidationError(`${owner}: minimumTlsVersion must be 1.2 or 1.3 (got ${describeValue(minimumTlsVersion)}). ` +
      'Remove it to rely on the TLS 1.2 floor of AWS endpoints, or set 1.3 to require TLS 1.3.');
  }

  const requireEncryptionHeaders = props.requireEncryptionHeaders ?? false;
  if (typeof requireEncryptionHeaders !== 'boolean') {
    throw new EncryptionValidationError(`${owner}: requireEncryptionHeaders must be true or false ` +
      `(got ${describeValue(requireEncryptionHeaders)}).`);
  }

  const exemptPrincipalArns = stringList(owner, 'exemptPrincipalArns', props.exemptPrincipalArns, 'IAM principal ARNs');
  checkPrincipalArns(owner, 'exemptPrincipalArns', exemptPrincipalArns ?? []);

  const requireTaggedKey = props.requireTaggedKey ?? false;
  if (typeof requireTaggedKey !== 'boolean') {
    throw new EncryptionValidationError(`${owner}: requireTaggedKey must be true or false (got ${describeValue(requireTaggedKey)}).`);
  }
  const tagAdminPrincipalArns = stringList(owner, 'tagAdminPrincipalArns', props.tagAdminPrincipalArns, 'IAM principal ARNs');
  if (requireTaggedKey && (tagAdminPrincipalArns === undefined || tagAdminPrincipalArns.length === 0)) {
    throw new EncryptionValidationError(`${owner}: requireTaggedKey needs tagAdminPrincipalArns (got ` +
      `${tagAdminPrincipalArns === undefined ? 'undefined' : '[]'}): without them no principal of the target accounts, no stack included, could ` +
      'ever tag a bucket, turn ABAC on or change default encryption again. List the roles that deploy the buckets, such as ' +
      'arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-* and arn:aws:iam::*:role/stacksets-exec-*.');
  }
  if (!requireTaggedKey && tagAdminPrincipalArns !== undefined) {
    throw new EncryptionValidationError(`${owner}: tagAdminPrincipalArns has no effect without requireTaggedKey: true ` +
      `(got ${describeValue(tagAdminPrincipalArns)}). Set requireTaggedKey: true, or remove tagAdminPrincipalArns.`);
  }
  // Only the SCP names them, and an SCP binds only the principals of its target accounts: any
  // account, wildcard included, is one of those.
  for (const arn of literal(tagAdminPrincipalArns ?? [])) {
    if (!ANY_ACCOUNT_PRINCIPAL_ARN.test(arn)) {
      throw new EncryptionValidationError(`${owner}: tagAdminPrincipalArns must hold IAM principal ARNs such as ` +
        `arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-* (got ${JSON.stringify(arn)}).`);
    }
  }

  return {
    allowedAlgorithms: allowedAlgorithms && dedupe(allowedAlgorithms),
    keyAccounts: keyAccounts && dedupe(keyAccounts),
    minimumTlsVersion,
    requireEncryptionHeaders,
    exemptPrincipalArns: exemptPrincipalArns && exemptPrincipalArns.length > 0 ? dedupe(exemptPrincipalArns) : undefined,
    requireTaggedKey,
    tagAdminPrincipalArns: requireTaggedKey ? dedupe(tagAdminPrincipalArns!) : undefined,
  };
}

/**
 * Each literal ARN must be an IAM or STS principal ARN of a named account: `aws:PrincipalArn`
 * matches principals of every account, so a wildcard account would also match same-named roles
 * outside the organization.
 */
function checkPrincipalArns(owner: string, prop: string, arns: string[]): void {
  for (const arn of literal(arns)) {
    const account = ARN_ACCOUNT.exec(arn)?.[1];
    if (account !== undefined && /[*?]/.test(account)) {
      throw new EncryptionValidationError(`${owner}: ${prop} must name the account of each principal ` +
        `(got ${JSON.stringify(arn)}): aws:PrincipalArn matches principals of every account, so a wildcard account would ` +
        'also exempt a same-named role outside the organization. List one ARN per account, such as ' +
        'arn:aws:iam::111122223333:role/BreakGlass* (a wildcard in the name is fine).');
    }
    if (!PRINCIPAL_ARN.test(arn)) {
      throw new EncryptionValidationError(`${owner}: ${prop} must hold IAM principal ARNs of a named account, ` +
        `such as arn:aws:iam::111122223333:role/BreakGlass (got ${JSON.stringify(arn)}).`);
    }
  }
}

/** The prop as a list of strings (undefined if unset); throws for anything else. A token list is left for deploy time. */
function stringList(owner: string, prop: string, value: unknown, what: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new EncryptionValidationError(`${owner}: ${prop} must be a list of strings (${what}) (got ${describeValue(value)}).`);
  }
  return value as string[];
}

/** The values that are not unresolved tokens (those are checked at deploy time). */
function literal(values: string[]): string[] {
  return values.filter((v) => !Token.isUnresolved(v));
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}

/** The default description: the rules, in one line (AWS Organizations accepts up to 512 characters). */
function describeRules(options: ValidatedOptions): string {
  const rules = ['plain HTTP', 'SSE-C uploads'];
  if (options.minimumTlsVersion !== undefined) rules.push(`TLS below ${options.minimumTlsVersion}`);
  if (options.allowedAlgorithms) rules.push(`algorithms other than ${options.allowedAlgorithms.join(', ')}`);
  if (options.keyAccounts) rules.push('KMS keys outside the bucket account and the key accounts');
  if (options.requireEncryptionHeaders) rules.push('uploads without an encryption header');
  if (options.requireTaggedKey) rules.push('keys other than a bucket\'s tagged key');
  return `S3 encryption rules (cdk-s3-encryption): denies ${rules.join(', ')}`.slice(0, 512);
}

import * as fs from 'fs';
import * as path from 'path';
import {
  CfnResource, IPolicyValidationContextBeta1, IPolicyValidationPluginBeta1, PolicyValidationPluginReportBeta1,
  PolicyViolationBeta1, Stack, Stage,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { EncryptionValidationError } from '../errors';
import { checkOptionalBoolean, describeValue, isPlainObjectOrUndefined } from '../private/validate';
import { EncryptionGuardCheck, Finding } from './check';
import { runChecks } from './checks';
import { checkBucketTypeEncryption, encryptionPropertyOf } from './checks/bucket-type-encryption';
import { isMeantForSseC } from './facts';
import { BucketIntent, TemplateBucket, TemplateSet } from './template-view';

/**
 * Properties of an `EncryptionValidationPlugin`.
 */
export interface EncryptionValidationPluginProps {
  /**
   * Require SSE-KMS or DSSE-KMS with a customer managed key on every bucket, as
   * `EncryptionGuardProps.requireKms` does.
   *
   * @default false
   */
  readonly requireKms?: boolean;

  /**
   * Buckets meant for SSE-C, or constructs that contain them, as
   * `EncryptionGuardProps.customerProvidedBuckets`.
   *
   * @default - only `EncryptedBucket`s built with `ServerSideEncryption.customerProvided()`
   */
  readonly customerProvidedBuckets?: IConstruct[];

  /**
   * Buckets that receive AWS service logs which must be encrypted with SSE-S3, or constructs that
   * contain them, as `EncryptionGuardProps.logDeliveryBuckets`.
   *
   * @default - only the recognized log buckets
   */
  readonly logDeliveryBuckets?: IConstruct[];
}

/** Where in a bucket resource each check looks, for the report. */
const LOCATIONS: Record<EncryptionGuardCheck, string> = {
  [EncryptionGuardCheck.NO_EXPLICIT_ENCRYPTION_RULE]: 'Properties/BucketEncryption',
  [EncryptionGuardCheck.TLS_NOT_REQUIRED]: 'Properties',
  [EncryptionGuardCheck.SSE_C_NOT_BLOCKED]: 'Properties/BucketEncryption',
  [EncryptionGuardCheck.SSE_C_NOT_ENFORCED]: 'Properties/BucketEncryption',
  [EncryptionGuardCheck.KMS_REQUIRED]: 'Properties/BucketEncryption',
  [EncryptionGuardCheck.KEY_NOT_ROTATING]: 'Properties/BucketEncryption',
  [EncryptionGuardCheck.KEY_NOT_NAMED_BY_ARN]: 'Properties/BucketEncryption',
  [EncryptionGuardCheck.POLICY_DISAGREES_WITH_RULE]: 'Properties/BucketEncryption',
  [EncryptionGuardCheck.NOT_INSPECTABLE]: 'Properties/BucketEncryption',
};

/**
 * A CDK policy-validation plugin that applies the checks of `EncryptionGuard` to the synthesized
 * CloudFormation templates.
 *
 * `EncryptionGuard` is an Aspect: it judges the construct tree before synthesis, so it does not
 * see property overrides made through escape hatches (`addPropertyOverride`) or resources added
 * after Aspects run. This plugin reads what will be deployed: every `AWS::S3::Bucket` of every
 * template, with its bucket policies and the KMS keys its encryption rules name (followed
 * across stacks through their exports), and every directory, table and vector bucket
 * (`AWS::S3Express::DirectoryBucket`, `AWS::S3Tables::TableBucket`, `AWS::S3Vectors::VectorBucket`),
 * whose encryption must be stated and, with `requireKms`, be SSE-KMS with a customer managed key.
 * Each violation is reported under the guard's check id (`EncryptionGuardCheck`) with its fix, in
 * the validation report that `cdk synth` prints; any violation fails the synthesis.
 *
 * Which buckets are meant for SSE-C, and which receive log deliveries, is read from the
 * construct tree (an SSE-C `EncryptedBucket`, or the scopes in the props) as the guard does.
 *
 * ```ts
 * const app = new App({ policyValidationBeta1: [new EncryptionValidationPlugin({ requireKms: true })] });
 * ```
 */
export class EncryptionValidationPlugin implements IPolicyValidationPluginBeta1 {
  /** The name of the plugin in the validation report. */
  public readonly name: string = 'cdk-s3-encryption';

  /** The version of this library. */
  public readonly version?: string;

  /** The check ids this plugin reports under. */
  public readonly ruleIds?: string[];

  /** Whether buckets must use SSE-KMS or DSSE-KMS with a customer managed key. */
  public readonly requireKms: boolean;

  private readonly customerProvidedScopes: IConstruct[];
  private readonly logDeliveryScopes: IConstruct[];

  constructor(props: EncryptionValidationPluginProps = {}) {
    if (!isPlainObjectOrUndefined(props)) {
      throw new EncryptionValidationError(`EncryptionValidationPlugin: props must be an object (got ${describeValue(props)}).`);
    }
    const p = props ?? {};
    checkOptionalBoolean('EncryptionValidationPlugin', 'requireKms', p.requireKms);
    for (const prop of ['customerProvidedBuckets', 'logDeliveryBuckets'] as const) {
      const value = p[prop];
      if (value !== undefined && !(Array.isArray(value) && value.every(isConstruct))) {
        throw new EncryptionValidationError(`EncryptionValidationPlugin: ${prop} must be an array of constructs such as ` +
          `buckets (got ${describeValue(value)}).`);
      }
    }
    this.requireKms = p.requireKms ?? false;
    this.customerProvidedScopes = [...p.customerProvidedBuckets ?? []];
    this.logDeliveryScopes = [...p.logDeliveryBuckets ?? []];
    this.version = ownVersion();
    this.ruleIds = Object.values(EncryptionGuardCheck);
  }

  public validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const templates = new TemplateSet(context.templatePaths);
    const intent = this.intent(context.appConstruct);
    const violations = new Map<string, PolicyViolationBeta1 & { violatingResources: any[] }>();
    const report = (finding: Finding, bucket: TemplateBucket, location: string) => {
      const id = JSON.stringify([finding.check, finding.problem, finding.fix]);
      let violation = violations.get(id);
      if (!violation) {
        violation = { ruleName: finding.check, description: describe(finding), fix: finding.fix, violatingResources: [] };
        violations.set(id, violation);
      }
      violation.violatingResources.push({ resourceLogicalId: bucket.logicalId, templatePath: bucket.templatePath, locations: [location] });
    };
    for (const bucket of templates.buckets()) {
      for (const finding of runChecks(templates.view(bucket, intent), { requireKms: this.requireKms })) {
        report(finding, bucket, LOCATIONS[finding.check]);
      }
    }
    // Directory, table and vector buckets: the check the guard runs on their L1s, on the same template-shaped resource.
    for (const { bucket, resource } of templates.bucketsOfOtherTypes()) {
      for (const finding of checkBucketTypeEncryption(resource, this.requireKms)) {
        report(finding, bucket, `Properties/${encryptionPropertyOf(resource.type)}`);
      }
    }
    return { success: violations.size === 0, violations: [...violations.values()] };
  }

  /** The buckets of the app's tree by template and logical id, judged as meant for SSE-C or listed for log delivery. */
  private intent(root: IConstruct | undefined): BucketIntent {
    const byLocation = new Map<string, IConstruct>();
    for (const construct of root?.node.findAll() ?? []) {
      if (!CfnResource.isCfnResource(construct) || construct.cfnResourceType !== 'AWS::S3::Bucket') continue;
      const stack = Stack.of(construct);
      const outdir = Stage.of(stack)?.outdir;
      if (outdir === undefined) continue;
      byLocation.set(locationKey(path.join(outdir, stack.templateFile), stack.resolve(construct.logicalId)), construct);
    }
    const constructOf = (bucket: TemplateBucket) => byLocation.get(locationKey(bucket.templatePath, bucket.logicalId));
    return {
      customerProvided: (bucket) => {
        const construct = constructOf(bucket);
        return construct !== undefined && isMeantForSseC(construct, this.customerProvidedScopes);
      },
      listedForLogDelivery: (bucket) => {
        const scopes = constructOf(bucket)?.node.scopes ?? [];
        return this.logDeliveryScopes.some((scope) => scopes.includes(scope));
      },
    };
  }
}

function locationKey(templatePath: string, logicalId: unknown): string {
  return `${path.resolve(templatePath)}#${String(logicalId)}`;
}

function describe(finding: Finding): string {
  return `${finding.problem.charAt(0).toUpperCase()}${finding.problem.slice(1)}`;
}

/** This library's version, from its package.json (the nearest one named cdk-s3-encryption above this file). */
function ownVersion(): string | undefined {
  for (let dir = __dirname, i = 0; i < 5; dir = path.dirname(dir), i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'cdk-s3-encryption') return pkg.version;
    } catch {
      // no package.json here
    }
  }
  return undefined;
}

function isConstruct(value: unknown): value is IConstruct {
  return typeof value === 'object' && value !== null && 'node' in value;
}

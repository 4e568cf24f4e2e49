import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, IPolicyValidationContextBeta1, IPolicyValidationPluginBeta1, PolicyValidationPluginReportBeta1, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { EncryptedBucket, EncryptionKey, S3EncryptionStack, ServerSideEncryption } from '../lib';

/**
 * The reference stack against the cdk-nag packs AwsSolutions, HIPAA Security, NIST 800-53 R5 and
 * PCI DSS 3.2.1 and the AWS Control Tower proactive controls (cfn-guard): zero unacknowledged
 * findings, and every acknowledgment is one of the out-of-scope findings listed below and is
 * actually needed.
 */

const PACKS: Array<() => NagPack> = [
  () => new AwsSolutionsChecks(),
  () => new HIPAASecurityChecks(),
  () => new NIST80053R5Checks(),
  () => new PCIDSS321Checks(),
];
const CFN_GUARD = 'cdk-validator-cfnguard';

/** One finding or acknowledgment: `<rule id> @ <construct path>`. */
type Key = string;

/** cdk-nag findings, as `<rule id> @ <construct path>`. */
function nagFindings(scope: IConstruct): Key[] {
  return PACKS.flatMap((pack) => pack().validateScope(scope).violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`)));
}

/** The Control Tower proactive controls that cdk-validator-cfnguard ships, one .guard file each. */
const CONTROL_TOWER_RULES = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard')), '..', 'rules', 'control-tower', 'cfn-guard');

/** Every rule file of the controls, with the resource types it names (each names at least one). */
function controlTowerRuleFiles(): Array<{ file: string; types: string[] }> {
  const files = (fs.readdirSync(CONTROL_TOWER_RULES, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.guard')).map((f) => path.join(CONTROL_TOWER_RULES, f));
  return files.map((file) => ({ file, types: [...new Set(fs.readFileSync(file, 'utf8').match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? [])] }));
}

/**
 * The Control Tower controls of cdk-validator-cfnguard, run on the rule files that can apply to
 * the templates: those that name a resource type the templates contain (a file that names none
 * would run too). A control only checks resources of the types it names, so the findings are the
 * same as with every rule file, and cfn-guard, which costs seconds per template with all of its rule files,
 * runs in a fraction of that. Reported under the validator's own name, so acknowledgments match.
 */
class ApplicableControlTowerRules implements IPolicyValidationPluginBeta1 {
  public readonly name = CFN_GUARD;
  /** The rule files run by the last validation. */
  public lastRuleFiles: string[] = [];

  public validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const types = new Set(context.templatePaths.flatMap((file) =>
      Object.values<{ Type: string }>(JSON.parse(fs.readFileSync(file, 'utf8')).Resources ?? {}).map((r) => r.Type)));
    this.lastRuleFiles = controlTowerRuleFiles()
      .filter((rule) => rule.types.length === 0 || rule.types.some((t) => types.has(t)))
      .map((rule) => rule.file);
    return new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: this.lastRuleFiles }).validate(context);
  }
}

/**
 * Control Tower findings (unacknowledged, and acknowledged), as
 * `cdk-validator-cfnguard::<rule name> @ <construct path>`, from synthesizing the app with the
 * validator registered.
 */
function controlTowerFindings(build: (app: App) => void): { open: Key[]; acknowledged: Key[]; ruleFiles: string[] } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-'));
  try {
    const app = new App({ outdir });
    build(app);
    const plugin = new ApplicableControlTowerRules();
    Validations.of(app).addPlugins(plugin);
    try {
      app.synth();
    } catch (e) {
      if (!/ValidationFailed/.test(String(e))) throw e;
    }
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    const pluginReport = report.pluginReports.find((r: any) => r.pluginName === CFN_GUARD);
    expect(pluginReport).toBeDefined();
    const keys = (violations: any[] = []) => violations.flatMap((v: any) =>
      v.violatingConstructs.map((c: any) => `${CFN_GUARD}::${v.ruleName} @ ${c.constructPath}`));
    return { open: keys(pluginReport.violations), acknowledged: keys(pluginReport.suppressedViolations), ruleFiles: plugin.lastRuleFiles };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The reference stack built with `Validations.acknowledge` recording instead of acknowledging,
 * so the checks report everything that was acknowledged.
 */
function unacknowledgedReference(app: App): { stack: S3EncryptionStack; acknowledgments: Key[] } {
  const acknowledgments: Key[] = [];
  const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: any, ...rules) {
    const scope: IConstruct = this.scope;
    for (const rule of rules) {
      expect(rule.reason.length).toBeGreaterThan(40); // a specific reason, not a placeholder
      acknowledgments.push(`${rule.id} @ ${scope.node.path}/Resource`);
    }
  });
  try {
    return { stack: new S3EncryptionStack(app, 'S3EncryptionStack'), acknowledgments };
  } finally {
    spy.mockRestore();
  }
}

// The findings a reference stack leaves to its user (see the Compliance section of docs/guard.md).
const BUCKETS = ['AccessLogsBucket', 'S3ManagedBucket', 'KmsBucket', 'CustomerProvidedBucket'];
const NOT_KMS = ['AccessLogsBucket', 'S3ManagedBucket', 'CustomerProvidedBucket'];
const EXPECTED_ACKNOWLEDGMENTS: Key[] = [
  ...BUCKETS.flatMap((b) => [
    'HIPAA.Security-S3BucketReplicationEnabled',
    'NIST.800.53.R5-S3BucketReplicationEnabled',
    'PCI.DSS.321-S3BucketReplicationEnabled',
    `${CFN_GUARD}::s3_bucket_object_lock_enabled_check`, // CT.S3.PR.9
    `${CFN_GUARD}::s3_event_notifications_enabled_check`, // CT.S3.PR.4
  ].map((rule) => `${rule} @ S3EncryptionStack/${b}/Resource`)),
  ...NOT_KMS.flatMap((b) => [
    'HIPAA.Security-S3DefaultEncryptionKMS',
    'NIST.800.53.R5-S3DefaultEncryptionKMS',
    'PCI.DSS.321-S3DefaultEncryptionKMS',
    `${CFN_GUARD}::s3_bucket_default_encryption_kms_check`, // CT.S3.PR.10
  ].map((rule) => `${rule} @ S3EncryptionStack/${b}/Resource`)),
  `${CFN_GUARD}::s3_bucket_logging_enabled_check @ S3EncryptionStack/AccessLogsBucket/Resource`, // CT.S3.PR.2 on the log target
];

describe('the reference stack', () => {
  test('has no unacknowledged finding in the four cdk-nag packs', () => {
    const app = new App();
    const stack = new S3EncryptionStack(app, 'S3EncryptionStack');
    expect(nagFindings(stack)).toEqual([]);
  });

  test('has no unacknowledged finding in the Control Tower proactive controls', () => {
    const findings = controlTowerFindings((app) => new S3EncryptionStack(app, 'S3EncryptionStack'));
    expect(findings.open).toEqual([]);
    // Every S3 and KMS control ran but the one for access points, of which the stack has none.
    const ran = (dir: string) => findings.ruleFiles.filter((f) => path.dirname(f) === path.join(CONTROL_TOWER_RULES, dir))
      .map((f) => path.basename(f)).sort();
    const all = (dir: string) => fs.readdirSync(path.join(CONTROL_TOWER_RULES, dir)).sort();
    expect(ran('s3')).toEqual(all('s3').filter((f) => f !== 'ct-s3-pr-12.guard'));
    expect(ran('keymanagementservice')).toEqual(all('keymanagementservice'));
    // Every Control Tower acknowledgment is used.
    expect(findings.acknowledged.sort()).toEqual(EXPECTED_ACKNOWLEDGMENTS.filter((k) => k.startsWith(CFN_GUARD)).sort());
  });

  test('acknowledges exactly the out-of-scope findings, each of which the checks do report', () => {
    const { recorded, nag, controlTower } = unacknowledged();
    // Without its acknowledgments, the stack has exactly these findings.
    expect(nag.sort()).toEqual(EXPECTED_ACKNOWLEDGMENTS.filter((k) => !k.startsWith(CFN_GUARD)).sort());
    expect(controlTower.filter((k) => k.includes(' @ S3EncryptionStack/')).sort())
      .toEqual(EXPECTED_ACKNOWLEDGMENTS.filter((k) => k.startsWith(CFN_GUARD)).sort());
    expect(recorded.sort()).toEqual([...EXPECTED_ACKNOWLEDGMENTS].sort());
  });
});

/**
 * One cfn-guard run (it is slow: seconds, not milliseconds) for the reference stack without its acknowledgments and for the
 * control stack of the live-check test below.
 */
let unacknowledgedRun: { recorded: Key[]; nag: Key[]; controlTower: Key[] } | undefined;
function unacknowledged() {
  if (!unacknowledgedRun) {
    let recorded: Key[] = [];
    let nag: Key[] = [];
    const { open } = controlTowerFindings((app) => {
      const reference = unacknowledgedReference(app);
      recorded = reference.acknowledgments;
      nag = nagFindings(reference.stack);
      const stack = new Stack(app, 'Control');
      new s3.Bucket(stack, 'Plain');
      new kms.Key(stack, 'PlainKey', { enableKeyRotation: true });
      new EncryptionKey(stack, 'OurKey');
      // An EncryptedBucket outside the reference stack still has the findings the stack acknowledges.
      new EncryptedBucket(stack, 'Ours', { serverSideEncryption: ServerSideEncryption.kms({ key: new EncryptionKey(stack, 'BucketKey') }) });
    });
    unacknowledgedRun = { recorded, nag, controlTower: open };
  }
  return unacknowledgedRun;
}

describe('the checks are live (controls)', () => {
  test('the Control Tower controls are selected by the resource types they name, and each names some', () => {
    const rules = controlTowerRuleFiles();
    expect(rules.length).toBeGreaterThan(200);
    expect(rules.filter((r) => r.types.length === 0)).toEqual([]);
    // A control for another service is not run on S3 and KMS resources alone; the S3 ones are.
    const applicable = (types: string[]) => rules.filter((r) => r.types.some((t) => types.includes(t))).map((r) => path.basename(r.file));
    expect(applicable(['AWS::S3::Bucket'])).toEqual(expect.arrayContaining(['ct-s3-pr-1.guard', 'ct-s3-pr-10.guard']));
    expect(applicable(['AWS::S3::Bucket'])).not.toContain('ct-s3-pr-12.guard'); // access points
    expect(applicable(['AWS::S3::Bucket', 'AWS::KMS::Key'])).not.toContain('ct-rds-pr-1.guard');
    expect(applicable(['AWS::RDS::DBInstance'])).toContain('ct-rds-pr-1.guard');
  });

  test('the cdk-nag packs report a plain bucket', () => {
    const stack = new Stack(new App(), 'Control');
    new s3.Bucket(stack, 'Plain');
    const rules = new Set(nagFindings(stack).map((k) => k.split(' @ ')[0]));
    for (const rule of ['AwsSolutions-S1', 'AwsSolutions-S10', 'HIPAA.Security-S3BucketLoggingEnabled',
      'NIST.800.53.R5-S3BucketSSLRequestsOnly', 'PCI.DSS.321-S3DefaultEncryptionKMS']) {
      expect(rules).toContain(rule);
    }
  });

  test('the Control Tower controls report a plain bucket and a key without the CreateGrant statement, not an EncryptionKey', () => {
    const open = unacknowledged().controlTower.filter((k) => k.includes(' @ Control/'));
    expect(open).toEqual(expect.arrayContaining([
      `${CFN_GUARD}::s3_bucket_logging_enabled_check @ Control/Plain/Resource`,
      `${CFN_GUARD}::s3_bucket_default_encryption_kms_check @ Control/Plain/Resource`,
      `${CFN_GUARD}::kms_create_grant_aws_service_check @ Control/PlainKey/Resource`,
      `${CFN_GUARD}::s3_bucket_object_lock_enabled_check @ Control/Ours/Resource`,
    ]));
    expect(open.filter((k) => k.includes('kms_create_grant'))).toEqual([`${CFN_GUARD}::kms_create_grant_aws_service_check @ Control/PlainKey/Resource`]);
    expect(open.filter((k) => k.includes('kms_key_rotation'))).toEqual([]);
  });
});

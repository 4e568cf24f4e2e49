import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, Validations } from 'aws-cdk-lib';
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

/**
 * Control Tower findings (unacknowledged, and acknowledged), as
 * `cdk-validator-cfnguard::<rule name> @ <construct path>`, from synthesizing the app with the
 * validator registered.
 */
function controlTowerFindings(build: (app: App) => void): { open: Key[]; acknowledged: Key[] } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-'));
  try {
    const app = new App({ outdir });
    build(app);
    Validations.of(app).addPlugins(new CfnGuardValidator());
    try {
      app.synth();
    } catch (e) {
      if (!/ValidationFailed/.test(String(e))) throw e;
    }
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    const plugin = report.pluginReports.find((r: any) => r.pluginName === CFN_GUARD);
    expect(plugin).toBeDefined();
    const keys = (violations: any[] = []) => violations.flatMap((v: any) =>
      v.violatingConstructs.map((c: any) => `${CFN_GUARD}::${v.ruleName} @ ${c.constructPath}`));
    return { open: keys(plugin.violations), acknowledged: keys(plugin.suppressedViolations) };
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

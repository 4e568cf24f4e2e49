import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3express from 'aws-cdk-lib/aws-s3express';
import * as s3tables from 'aws-cdk-lib/aws-s3tables';
import * as s3vectors from 'aws-cdk-lib/aws-s3vectors';
import { Construct, IConstruct } from 'constructs';
import {
  EncryptedBucket, EncryptedDirectoryBucket, EncryptedTableBucket, EncryptedVectorBucket, EncryptionGuard, EncryptionGuardCheck as Check,
  EncryptionKey, EncryptionValidationError, EncryptionValidationPlugin, EncryptionValidationPluginProps, ServerSideEncryption,
} from '../lib';

/*
 * EncryptionValidationPlugin: the guard's checks on the synthesized templates, through aws-cdk-lib's
 * policy-validation mechanism (`policyValidationBeta1`). Each app is synthesized once.
 */

/** One violating resource of the plugin's report. */
interface Violation {
  readonly check: string;
  readonly constructPath: string;
  readonly logicalId: string;
  readonly description: string;
  readonly fix: string;
  /** Where in the resource the report points. */
  readonly propertyPaths?: string[];
}

interface Result {
  readonly success: boolean;
  readonly violations: Violation[];
  /** The templates, by stack name. */
  readonly templates: Record<string, any>;
  readonly app: App;
}

/**
 * Synthesizes the app with the plugin registered and reads the plugin's part of
 * validation-report.json. The plugin is added after the app's constructs with
 * `Validations.of(app).addPlugins()`, its props a function of what `build` returned (they may
 * name its constructs); with `viaAppProps`, it is given to the App (`policyValidationBeta1`).
 */
function synthWithPlugin<T>(build: (app: App) => T, props: (built: T) => EncryptionValidationPluginProps = () => ({}),
  viaAppProps = false): Result {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'validation-plugin-'));
  const validate = jest.spyOn(EncryptionValidationPlugin.prototype, 'validate');
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined); // aws-cdk-lib: policyValidationBeta1 is deprecated
  try {
    const app = viaAppProps ? new App({ outdir, policyValidationBeta1: [new EncryptionValidationPlugin(props(undefined as T))] })
      : new App({ outdir });
    const built = build(app);
    if (!viaAppProps) Validations.of(app).addPlugins(new EncryptionValidationPlugin(props(built)));
    let failed = false;
    try {
      app.synth();
    } catch (e) {
      if (!/ValidationFailed/.test(String(e))) throw e;
      failed = true;
    }
    expect(validate).toHaveBeenCalledTimes(1);
    const reportFile = path.join(outdir, 'validation-report.json');
    // A plugin that finds nothing may be left out of the report.
    const report = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : { pluginReports: [] };
    const plugin = report.pluginReports.find((r: any) => r.pluginName === 'cdk-s3-encryption') ?? { conclusion: 'success' };
    expect(plugin.conclusion).toBe(failed ? 'failure' : 'success');
    const violations: Violation[] = (plugin.violations ?? []).flatMap((v: any) => v.violatingConstructs.map((c: any) => ({
      check: v.ruleName, constructPath: c.constructPath, logicalId: c.cloudFormationResource.logicalId,
      description: v.description, fix: v.suggestedFix, propertyPaths: c.cloudFormationResource.propertyPaths,
    })));
    const templates: Record<string, any> = {};
    for (const file of fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'))) {
      templates[file.replace('.template.json', '')] = JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8'));
    }
    return { success: !failed, violations, templates, app };
  } finally {
    validate.mockRestore();
    warn.mockRestore();
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The checks reported for each construct path, in report order. */
function checksByPath(violations: Violation[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const v of violations) (result[v.constructPath] ??= []).push(v.check);
  for (const checks of Object.values(result)) checks.sort();
  return result;
}

function cfnBucketOf(bucket: Construct): s3.CfnBucket {
  return (bucket instanceof s3.CfnBucket ? bucket : bucket.node.defaultChild) as s3.CfnBucket;
}

const RULE = 'BucketEncryption.ServerSideEncryptionConfiguration.0';

/** The checks in the error annotations that the Aspect left, for each construct path. */
function aspectFindings(app: App): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata.filter((m) => m.type === 'aws:cdk:error')) {
      result[construct.node.path] = [...String(entry.data).matchAll(/^- \[(\w+)\]/gm)].map((m) => m[1]).sort();
    }
  }
  return result;
}

const SSE_S3_DIRECTORY: s3express.CfnDirectoryBucket.BucketEncryptionProperty = {
  serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
};

describe('EncryptionValidationPlugin', () => {
  test('an app of EncryptedBuckets in every mode, with a key shared across stacks, passes', () => {
    const result = synthWithPlugin((app) => {
      const keys = new Stack(app, 'Keys');
      const key = new EncryptionKey(keys, 'Shared');
      const stack = new Stack(app, 'Buckets');
      new EncryptedBucket(stack, 'S3Managed', { serverSideEncryption: ServerSideEncryption.s3Managed() });
      new EncryptedBucket(stack, 'Kms', { serverSideEncryption: ServerSideEncryption.kms() });
      new EncryptedBucket(stack, 'KmsShared', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
      new EncryptedBucket(stack, 'KmsManaged', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
      new EncryptedBucket(stack, 'Dsse', { serverSideEncryption: ServerSideEncryption.dsseKms({ key }) });
      new EncryptedBucket(stack, 'SseC', { serverSideEncryption: ServerSideEncryption.customerProvided() });
    });
    expect(result.violations).toEqual([]);
    expect(result.success).toBe(true);
    // The shared key really is in the other stack: the plugin followed the import to it.
    const rule = result.templates.Buckets.Resources[Object.keys(result.templates.Buckets.Resources)
      .find((id) => id.startsWith('KmsShared') && result.templates.Buckets.Resources[id].Type === 'AWS::S3::Bucket')!];
    expect(rule.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID)
      .toEqual({ 'Fn::ImportValue': expect.any(String) });
  });

  test('with requireKms, KMS buckets (key in another stack) and a server access log target pass; an SSE-S3 bucket fails', () => {
    const result = synthWithPlugin((app) => {
      const key = new EncryptionKey(new Stack(app, 'Keys'), 'Shared');
      const stack = new Stack(app, 'Buckets');
      const logs = new EncryptedBucket(stack, 'Logs', { serverSideEncryption: ServerSideEncryption.s3Managed() });
      new EncryptedBucket(stack, 'Data', { serverSideEncryption: ServerSideEncryption.kms({ key }), serverAccessLogsBucket: logs });
      new EncryptedBucket(stack, 'Dsse', { serverSideEncryption: ServerSideEncryption.dsseKms() });
      new EncryptedBucket(stack, 'SseS3', { serverSideEncryption: ServerSideEncryption.s3Managed() });
    }, () => ({ requireKms: true }));
    expect(checksByPath(result.violations)).toEqual({ 'Buckets/SseS3/Resource': [Check.KMS_REQUIRED] });
  });

  test('a plain s3.Bucket with SSE-S3, enforceSSL and SSE-C blocked passes', () => {
    const result = synthWithPlugin((app) => {
      new s3.Bucket(new Stack(app, 'Plain'), 'Bucket', {
        encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      });
    });
    expect(result.violations).toEqual([]);
    expect(result.success).toBe(true);
  });

  describe('an EncryptedBucket whose rule an escape hatch changed after the guard ran', () => {
    // The Aspect runs on the same app: it judges the construct's props, not the override.
    let result: Result;
    let bucket: EncryptedBucket;
    beforeAll(() => {
      result = synthWithPlugin((app) => {
        const stack = new Stack(app, 'Overridden');
        bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kms() });
        cfnBucketOf(bucket).addPropertyOverride(`${RULE}.ServerSideEncryptionByDefault.SSEAlgorithm`, 'AES256');
        const guard = new EncryptionGuard();
        Aspects.of(app).add(guard, { priority: guard.priority });
      }, undefined, true); // registered as new App({ policyValidationBeta1: [plugin] })
    });

    test('fails, and the report names the bucket, the checks and the fix', () => {
      expect(result.success).toBe(false);
      expect(checksByPath(result.violations)).toEqual({ 'Overridden/Bucket/Resource': [Check.POLICY_DISAGREES_WITH_RULE] });
      const [violation] = result.violations;
      expect(violation.logicalId).toMatch(/^Bucket[0-9A-F]{8}$/);
      expect(violation.description).toContain('SSEAlgorithm AES256 (the policy requires "aws:kms")');
      expect(violation.fix).toContain('serverSideEncryption');
    });

    test('the Aspect did not see it (which is why the plugin exists)', () => {
      const errors = result.app.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:error'));
      expect(errors).toEqual([]);
      // The guard did judge it: it reads the props, in which the rule is still SSE-KMS.
      expect(cfnBucketOf(bucket).bucketEncryption).toMatchObject({
        serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }],
      });
    });
  });

  test('a key named in the rule by another ARN than the policy names it disagrees', () => {
    const result = synthWithPlugin((app) => {
      const stack = new Stack(app, 'OtherKey');
      const bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kms() });
      const other = new EncryptionKey(stack, 'Other');
      cfnBucketOf(bucket).addPropertyOverride(`${RULE}.ServerSideEncryptionByDefault.KMSMasterKeyID`, other.keyArn);
    });
    expect(checksByPath(result.violations)).toEqual({ 'OtherKey/Bucket/Resource': [Check.POLICY_DISAGREES_WITH_RULE] });
    expect(result.violations[0].description).toMatch(/KMSMasterKeyID \{"Fn::GetAtt":\["Other\w+","Arn"\]\}/);
  });

  describe('buckets that fail each check', () => {
    let result: Result;
    let byPath: Record<string, string[]>;
    beforeAll(() => {
      result = synthWithPlugin((app) => {
        const stack = new Stack(app, 'Gaps');
        new s3.CfnBucket(stack, 'RawL1');
        new s3.CfnBucket(stack, 'SseS3L1', {
          bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
        });
        new s3.CfnBucket(stack, 'ByAlias', {
          bucketEncryption: {
            serverSideEncryptionConfiguration: [{
              serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'alias/data' },
              blockedEncryptionTypes: { encryptionType: ['SSE-C'] },
            }],
          },
        });
        // A key whose rotation an escape hatch turned off.
        const key = new EncryptionKey(stack, 'Key');
        (key.node.defaultChild as kms.CfnKey).addPropertyOverride('EnableKeyRotation', false);
        new EncryptedBucket(stack, 'NotRotating', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
        new EncryptedBucket(stack, 'SseS3', { serverSideEncryption: ServerSideEncryption.s3Managed() });
        const conditional = new s3.CfnBucket(stack, 'Conditional');
        conditional.addPropertyOverride('BucketEncryption', { 'Fn::If': ['SomeCondition', { ServerSideEncryptionConfiguration: [] }, { Ref: 'AWS::NoValue' }] });
      });
      byPath = checksByPath(result.violations);
    });

    test('a raw CfnBucket fails, and the report names its logical id', () => {
      const raw = result.violations.filter((v) => v.constructPath === 'Gaps/RawL1');
      expect(raw.map((v) => v.logicalId)).toEqual(raw.map(() => 'RawL1'));
      expect(byPath['Gaps/RawL1']).toEqual([Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.SSE_C_NOT_BLOCKED, Check.TLS_NOT_REQUIRED].sort());
    });

    test('each check finds its gap', () => {
      expect(byPath).toEqual({
        'Gaps/RawL1': [Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.SSE_C_NOT_BLOCKED, Check.TLS_NOT_REQUIRED].sort(),
        'Gaps/SseS3L1': [Check.SSE_C_NOT_BLOCKED, Check.TLS_NOT_REQUIRED].sort(),
        'Gaps/ByAlias': [Check.KEY_NOT_NAMED_BY_ARN, Check.TLS_NOT_REQUIRED].sort(),
        'Gaps/NotRotating/Resource': [Check.KEY_NOT_ROTATING],
        'Gaps/Conditional': [Check.NOT_INSPECTABLE],
      });
      expect(result.violations.find((v) => v.check === Check.KEY_NOT_ROTATING)!.description).toMatch(/customer managed key Key\w+ in Gaps\.template\.json does not rotate/);
    });
  });

  test('requireKms (KmsRequired), customerProvidedBuckets (SseCNotEnforced) and logDeliveryBuckets', () => {
    const result = synthWithPlugin((app) => {
      const stack = new Stack(app, 'Listed');
      const sseC = new s3.CfnBucket(stack, 'SseC', {
        bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      });
      const logs = new Construct(stack, 'LogTargets');
      new EncryptedBucket(logs, 'ForOtherApps', { serverSideEncryption: ServerSideEncryption.s3Managed() });
      new EncryptedBucket(stack, 'SseS3', { serverSideEncryption: ServerSideEncryption.s3Managed() });
      return { sseC, logs };
    }, ({ sseC, logs }) => ({ requireKms: true, customerProvidedBuckets: [sseC], logDeliveryBuckets: [logs] }));
    expect(checksByPath(result.violations)).toEqual({
      'Listed/SseC': [Check.SSE_C_NOT_ENFORCED, Check.TLS_NOT_REQUIRED].sort(),
      'Listed/SseS3/Resource': [Check.KMS_REQUIRED],
    });
    expect(result.violations.find((v) => v.check === Check.SSE_C_NOT_ENFORCED)!.description)
      .toContain('no bucket policy statement denies uploads without SSE-C headers');
  });

  test('on a mixed app, the plugin and the Aspect find the same gaps in the same buckets', () => {
    const result = synthWithPlugin((app) => {
      const stack = new Stack(app, 'Mixed');
      new s3.Bucket(stack, 'Plain');
      new s3.Bucket(stack, 'Hardened', {
        encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      });
      new s3.CfnBucket(stack, 'L1');
      const l1WithPolicy = new s3.CfnBucket(stack, 'L1WithPolicy', {
        bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      });
      new s3.CfnBucketPolicy(new Construct(stack, 'Policies'), 'L1Policy', {
        bucket: l1WithPolicy.ref,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [l1WithPolicy.attrArn, `${l1WithPolicy.attrArn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
        },
      });
      new s3.Bucket(stack, 'DsseOwnKey', { encryption: s3.BucketEncryption.DSSE });
      const logs = new s3.Bucket(stack, 'Logs', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true });
      new EncryptedBucket(stack, 'LogSource', { serverSideEncryption: ServerSideEncryption.kms(), serverAccessLogsBucket: logs });
      // Its own statement requires SSE-S3 on uploads, while its rule is SSE-KMS.
      const contradicting = new s3.Bucket(stack, 'Contradicting', {
        encryption: s3.BucketEncryption.KMS_MANAGED, enforceSSL: true, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      });
      contradicting.addToResourcePolicy(new iam.PolicyStatement({
        effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['s3:PutObject'], resources: [contradicting.arnForObjects('*')],
        conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } },
      }));
      new EncryptedBucket(stack, 'OursS3', { serverSideEncryption: ServerSideEncryption.s3Managed() });
      new EncryptedBucket(stack, 'OursKmsManaged', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
      new EncryptedBucket(stack, 'OursSseC', { serverSideEncryption: ServerSideEncryption.customerProvided() });
      // Directory, table and vector buckets: L1s with nothing or SSE-S3 stated, this library's, one changed by an escape hatch
      // in the app's code (before Aspects run, so both see it).
      new s3express.CfnDirectoryBucket(stack, 'BareDirectory', { dataRedundancy: 'SingleAvailabilityZone', locationName: 'euw1-az1' });
      new s3tables.CfnTableBucket(stack, 'SseS3Tables', { tableBucketName: 'sse-s3', encryptionConfiguration: { sseAlgorithm: 'AES256' } });
      new EncryptedDirectoryBucket(stack, 'OursDirectory', { availabilityZoneId: 'euw1-az1' });
      new EncryptedVectorBucket(stack, 'OursVectors');
      const tables = new EncryptedTableBucket(stack, 'OursTables', { tableBucketName: 'ours' });
      (tables.node.defaultChild as CfnResource).addDeletionOverride('Properties.EncryptionConfiguration');
      const guard = new EncryptionGuard({ requireKms: true });
      Aspects.of(app).add(guard, { priority: guard.priority });
    }, () => ({ requireKms: true }));
    const fromAspect = aspectFindings(result.app);
    expect(checksByPath(result.violations)).toEqual(fromAspect);
    expect(fromAspect).toEqual({
      'Mixed/Plain/Resource': [Check.KMS_REQUIRED, Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.SSE_C_NOT_BLOCKED, Check.TLS_NOT_REQUIRED],
      'Mixed/Hardened/Resource': [Check.KMS_REQUIRED],
      'Mixed/L1': [Check.KMS_REQUIRED, Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.SSE_C_NOT_BLOCKED, Check.TLS_NOT_REQUIRED],
      'Mixed/L1WithPolicy': [Check.KMS_REQUIRED, Check.SSE_C_NOT_BLOCKED],
      'Mixed/DsseOwnKey/Resource': [Check.KEY_NOT_ROTATING, Check.SSE_C_NOT_BLOCKED, Check.TLS_NOT_REQUIRED],
      'Mixed/Logs/Resource': [Check.SSE_C_NOT_BLOCKED],
      'Mixed/Contradicting/Resource': [Check.KMS_REQUIRED, Check.POLICY_DISAGREES_WITH_RULE],
      'Mixed/OursS3/Resource': [Check.KMS_REQUIRED],
      'Mixed/OursKmsManaged/Resource': [Check.KMS_REQUIRED],
      'Mixed/BareDirectory': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
      'Mixed/SseS3Tables': [Check.KMS_REQUIRED],
      'Mixed/OursTables/Resource': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
    });
  });

  describe('directory, table and vector buckets', () => {
    /*
     * One app, synthesized with and without requireKms: raw L1s with nothing stated and with SSE-S3,
     * this library's constructs (SSE-KMS), and three of them whose encryption an escape hatch
     * removes or weakens in an Aspect that runs after the guard.
     */
    const build = (requireKms: boolean) => (app: App) => {
      const stack = new Stack(app, 'Types', { env: { account: '111111111111', region: 'eu-west-1' } });
      new s3express.CfnDirectoryBucket(stack, 'BareDirectory', { dataRedundancy: 'SingleAvailabilityZone', locationName: 'euw1-az1' });
      new s3tables.CfnTableBucket(stack, 'BareTables', { tableBucketName: 'bare' });
      new s3vectors.CfnVectorBucket(stack, 'BareVectors', {});
      new s3express.CfnDirectoryBucket(stack, 'SseS3Directory', {
        dataRedundancy: 'SingleAvailabilityZone', locationName: 'euw1-az1', bucketEncryption: SSE_S3_DIRECTORY,
      });
      new s3tables.CfnTableBucket(stack, 'SseS3Tables', { tableBucketName: 'sse-s3', encryptionConfiguration: { sseAlgorithm: 'AES256' } });
      new s3vectors.CfnVectorBucket(stack, 'SseS3Vectors', { encryptionConfiguration: { sseType: 'AES256' } });
      new EncryptedDirectoryBucket(stack, 'Directory', { availabilityZoneId: 'euw1-az1' });
      new EncryptedTableBucket(stack, 'Tables', { tableBucketName: 'tables' });
      new EncryptedVectorBucket(stack, 'Vectors');
      new EncryptedDirectoryBucket(stack, 'LateDirectory', { availabilityZoneId: 'euw1-az1' });
      new EncryptedTableBucket(stack, 'LateTables', { tableBucketName: 'late' });
      new EncryptedVectorBucket(stack, 'LateVectors');
      const guard = new EncryptionGuard({ requireKms });
      Aspects.of(app).add(guard, { priority: guard.priority });
      // After the guard: escape hatches that remove (directory, table) or weaken (vector: SSE-S3) the encryption.
      const late = (id: string) => (node: IConstruct) => node.node.path === `Types/${id}/Resource`;
      Aspects.of(app).add({
        visit: (node: IConstruct) => {
          if (late('LateDirectory')(node)) (node as CfnResource).addDeletionOverride('Properties.BucketEncryption');
          if (late('LateTables')(node)) (node as CfnResource).addDeletionOverride('Properties.EncryptionConfiguration.SSEAlgorithm');
          if (late('LateVectors')(node)) {
            (node as CfnResource).addPropertyOverride('EncryptionConfiguration', { SseType: 'AES256', KmsKeyArn: undefined });
          }
        },
      }, { priority: AspectPriority.READONLY + 1 });
    };
    let plain: Result;
    let requiringKms: Result;
    beforeAll(() => {
      plain = synthWithPlugin(build(false));
      requiringKms = synthWithPlugin(build(true), () => ({ requireKms: true }));
    });

    test('raw L1s without encryption fail, and the report names each logical id and the property', () => {
      const bare = plain.violations.filter((v) => /^Types\/Bare/.test(v.constructPath));
      expect(bare.map((v) => [v.constructPath, v.logicalId, v.check, v.propertyPaths])).toEqual([
        ['Types/BareDirectory', 'BareDirectory', Check.NO_EXPLICIT_ENCRYPTION_RULE, ['Properties/BucketEncryption']],
        ['Types/BareTables', 'BareTables', Check.NO_EXPLICIT_ENCRYPTION_RULE, ['Properties/EncryptionConfiguration']],
        ['Types/BareVectors', 'BareVectors', Check.NO_EXPLICIT_ENCRYPTION_RULE, ['Properties/EncryptionConfiguration']],
      ]);
      expect(bare.find((v) => v.logicalId === 'BareTables')!.description).toContain('table bucket (S3 Tables) does not state its encryption');
      expect(bare.find((v) => v.logicalId === 'BareTables')!.fix).toContain('use an EncryptedTableBucket');
    });

    test('without requireKms, SSE-S3 stated passes; the library\'s buckets pass', () => {
      expect(checksByPath(plain.violations)).toEqual({
        'Types/BareDirectory': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
        'Types/BareTables': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
        'Types/BareVectors': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
        'Types/LateDirectory/Resource': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
        'Types/LateTables/Resource': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
      });
      expect(plain.success).toBe(false);
    });

    test('with requireKms, SSE-S3 fails (KmsRequired); the library\'s SSE-KMS buckets pass', () => {
      expect(checksByPath(requiringKms.violations)).toEqual({
        'Types/BareDirectory': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
        'Types/BareTables': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
        'Types/BareVectors': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
        'Types/SseS3Directory': [Check.KMS_REQUIRED],
        'Types/SseS3Tables': [Check.KMS_REQUIRED],
        'Types/SseS3Vectors': [Check.KMS_REQUIRED],
        'Types/LateDirectory/Resource': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
        'Types/LateTables/Resource': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
        'Types/LateVectors/Resource': [Check.KMS_REQUIRED],
      });
      expect(requiringKms.violations.find((v) => v.constructPath === 'Types/SseS3Vectors')!.description)
        .toContain('vector bucket (S3 Vectors) uses AES256, but this guard requires SSE-KMS');
    });

    test('escape hatches applied after the guard ran are caught by the plugin, not the Aspect', () => {
      // The templates really carry the overrides.
      const resources = Object.entries<any>(requiringKms.templates.Types.Resources);
      const late = (type: string) => resources.filter(([id, r]) => r.Type === type && id.startsWith('Late')).map(([, r]) => r);
      expect(late('AWS::S3Express::DirectoryBucket').map((r) => r.Properties.BucketEncryption)).toEqual([undefined]);
      expect(late('AWS::S3Tables::TableBucket').map((r) => r.Properties.EncryptionConfiguration))
        .toEqual([{ KMSKeyArn: expect.anything() }]);
      expect(late('AWS::S3Vectors::VectorBucket').map((r) => r.Properties.EncryptionConfiguration)).toEqual([{ SseType: 'AES256' }]);
      // The plugin reports them, under their logical ids.
      const reported = requiringKms.violations.filter((v) => v.constructPath.startsWith('Types/Late'));
      expect(reported.map((v) => [v.logicalId.replace(/[0-9A-F]{8}$/, ''), v.check]).sort()).toEqual([
        ['LateDirectory', Check.NO_EXPLICIT_ENCRYPTION_RULE], ['LateTables', Check.NO_EXPLICIT_ENCRYPTION_RULE], ['LateVectors', Check.KMS_REQUIRED],
      ]);
      // The Aspect saw them before the overrides: it reports the L1s only.
      expect(aspectFindings(plain.app)).toEqual({
        'Types/BareDirectory': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
        'Types/BareTables': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
        'Types/BareVectors': [Check.NO_EXPLICIT_ENCRYPTION_RULE],
      });
      expect(Object.keys(aspectFindings(requiringKms.app)).filter((p) => p.startsWith('Types/Late'))).toEqual([]);
    });
  });

  test('every check id appears in a failing case above', () => {
    // Kept in step with the cases: a new check needs a failing case here.
    const covered = new Set<string>([
      Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_BLOCKED, Check.SSE_C_NOT_ENFORCED,
      Check.KMS_REQUIRED, Check.KEY_NOT_ROTATING, Check.KEY_NOT_NAMED_BY_ARN, Check.POLICY_DISAGREES_WITH_RULE,
      Check.NOT_INSPECTABLE,
    ]);
    expect([...covered].sort()).toEqual(Object.values(Check).sort());
    expect(new EncryptionValidationPlugin().ruleIds!.sort()).toEqual(Object.values(Check).sort());
  });

  test('constructible without props, with the guard\'s defaults; refuses props of the wrong type', () => {
    const plugin = new EncryptionValidationPlugin();
    expect(plugin.name).toBe('cdk-s3-encryption');
    expect(plugin.requireKms).toBe(false);
    expect(plugin.version).toBe(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version);
    expect(() => new EncryptionValidationPlugin({ requireKms: 'yes' as any })).toThrow(EncryptionValidationError);
    expect(() => new EncryptionValidationPlugin({ logDeliveryBuckets: ['bucket'] as any })).toThrow(/logDeliveryBuckets must be an array of constructs/);
  });
});

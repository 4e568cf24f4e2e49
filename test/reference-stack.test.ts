import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { S3EncryptionStack } from '../lib';

function synthReference() {
  const app = new App();
  const stack = new S3EncryptionStack(app, 'S3EncryptionStack');
  return { stack, template: Template.fromStack(stack) };
}

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as s3.CfnBucket);
}

describe('S3EncryptionStack', () => {
  const { stack, template } = synthReference();

  test('snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('is environment-agnostic', () => {
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
  });

  test('one bucket per setup, with the expected default encryption', () => {
    const rule = (bucket: s3.Bucket) =>
      template.toJSON().Resources[logicalId(stack, bucket)].Properties.BucketEncryption.ServerSideEncryptionConfiguration;
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(stack.key.node.defaultChild as kms.CfnKey), 'Arn'] };
    expect(rule(stack.s3ManagedBucket)).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }]);
    expect(rule(stack.kmsBucket)).toEqual([{
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
      BucketKeyEnabled: true,
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    }]);
    expect(rule(stack.customerProvidedBucket)).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BlockedEncryptionTypes: { EncryptionType: ['NONE'] } }]);
  });

  test('the key rotates and has an alias', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, KeySpec: 'SYMMETRIC_DEFAULT' });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/S3EncryptionStack/s3' });
  });

  test('every demo bucket logs into the SSE-S3 access-log bucket, which only S3 log delivery from them may write', () => {
    const resources = template.toJSON().Resources;
    const logBucketId = logicalId(stack, stack.accessLogsBucket);
    expect(resources[logBucketId].Properties.BucketEncryption.ServerSideEncryptionConfiguration)
      .toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }]);
    const sources = [stack.s3ManagedBucket, stack.kmsBucket, stack.customerProvidedBucket];
    for (const bucket of sources) {
      expect(resources[logicalId(stack, bucket)].Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logBucketId },
        LogFilePrefix: `${bucket.node.id}/`,
      });
    }
    expect(resources[logBucketId].Properties.LoggingConfiguration).toBeUndefined();

    const logPolicy = Object.values(template.findResources('AWS::S3::BucketPolicy'))
      .find((p: any) => p.Properties.Bucket.Ref === logBucketId) as any;
    const statements = logPolicy.Properties.PolicyDocument.Statement;
    // The log bucket keeps every deny of an SSE-S3 EncryptedBucket, and allows log delivery only
    // from this stack's buckets in this account (no confused deputy), only to write objects.
    expect(statements.map((st: any) => st.Sid)).toEqual(
      ['DenyInsecureTransport', 'DenyIncorrectEncryptionHeader', 'DenyCustomerProvidedKeys', 'DenyUpdateObjectEncryption',
        'AllowServerAccessLogDelivery']);
    const arn = (b: s3.Bucket) => ({ 'Fn::GetAtt': [logicalId(stack, b), 'Arn'] });
    expect(statements[4]).toEqual({
      Sid: 'AllowServerAccessLogDelivery',
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [arn(stack.accessLogsBucket), '/*']] },
      Condition: {
        ArnLike: { 'aws:SourceArn': sources.map(arn) },
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      },
    });
    // Log delivery is granted by policy, never by ACL.
    for (const bucket of [stack.accessLogsBucket, ...sources]) {
      expect(resources[logicalId(stack, bucket)].Properties.AccessControl).toBeUndefined();
    }
  });

  test('lifecycle rules only abort incomplete multipart uploads: no object or version is ever expired', () => {
    for (const bucket of [stack.accessLogsBucket, stack.s3ManagedBucket, stack.kmsBucket, stack.customerProvidedBucket]) {
      expect(template.toJSON().Resources[logicalId(stack, bucket)].Properties.LifecycleConfiguration).toEqual({
        Rules: [{ Id: 'AbortIncompleteMultipartUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' }],
      });
    }
  });

  test('outputs give the bucket names, the key ARN and an upload command that each policy accepts', () => {
    const outputs = template.toJSON().Outputs;
    const ref = (bucket: s3.Bucket) => ({ Ref: logicalId(stack, bucket) });
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(stack.key.node.defaultChild as kms.CfnKey), 'Arn'] };
    expect(outputs.S3ManagedBucketName.Value).toEqual(ref(stack.s3ManagedBucket));
    expect(outputs.KmsBucketName.Value).toEqual(ref(stack.kmsBucket));
    expect(outputs.CustomerProvidedBucketName.Value).toEqual(ref(stack.customerProvidedBucket));
    expect(outputs.KeyArn.Value).toEqual(keyArn);

    const joined = (name: string) => outputs[name].Value['Fn::Join'][1];
    expect(joined('S3ManagedUploadCommand')).toEqual(['aws s3 cp ./hello.txt s3://', ref(stack.s3ManagedBucket), '/hello.txt --sse AES256']);
    expect(joined('KmsUploadCommand')).toEqual(['aws s3 cp ./hello.txt s3://', ref(stack.kmsBucket), '/hello.txt --sse aws:kms --sse-kms-key-id ', keyArn]);
    expect(joined('CustomerProvidedUploadCommand')).toEqual(['aws s3 cp ./hello.txt s3://', ref(stack.customerProvidedBucket), '/hello.txt --sse-c AES256 --sse-c-key fileb://sse-c.key']);
  });
});

describe("CDK's built-in CloudFormation validation (on, as in `cdk synth`)", () => {
  // Unit tests turn the validation off for speed (test/setup-env.js); this test turns it back on.
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.CDK_VALIDATION;
    delete process.env.CDK_VALIDATION;
  });
  afterAll(() => {
    process.env.CDK_VALIDATION = saved;
  });

  /** The violations that the validation reports, per stack; both stacks share one App so the engine starts once. */
  function validate(): Record<string, string[]> {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-s3-encryption-'));
    // The validation prints its report; keep the control's expected report out of the test output.
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const app = new App({ outdir, builtinCloudFormationValidation: true });
      new S3EncryptionStack(app, 'S3EncryptionStack');
      // A control: a deliberately invalid property that the validation must report.
      const broken = new s3.CfnBucket(new Stack(app, 'Broken'), 'Bucket');
      broken.addPropertyOverride('VersioningConfiguration', { Status: 'Sometimes' });
      const assembly = app.synth();
      const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
      const byStack: Record<string, string[]> = { S3EncryptionStack: [], Broken: [] };
      for (const plugin of report.pluginReports) {
        for (const violation of plugin.violations) {
          for (const construct of violation.violatingConstructs) {
            const stackName = String(construct.constructPath).split('/')[0];
            (byStack[stackName] ??= []).push(`${violation.ruleName}: ${violation.description}`);
          }
        }
      }
      return byStack;
    } finally {
      printed.mockRestore();
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }

  let violations: Record<string, string[]>;
  beforeAll(() => {
    violations = validate();
  }, 30_000);

  test('is live: it reports the control\'s deliberately invalid property', () => {
    expect(violations.Broken.join('\n')).toMatch(/Sometimes/);
  });

  test('the reference stack passes it with no violation', () => {
    expect(violations.S3EncryptionStack).toEqual([]);
  });
});

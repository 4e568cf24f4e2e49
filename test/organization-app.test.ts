import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EncryptedBucket, EncryptionValidationError, KEY_ARN_TAG_KEY, ManagementAccountStack, ServerSideEncryption } from '../lib';
import { MAX_TEMPLATE_BODY_BYTES, stackSetTemplateBody } from '../lib/private/stack-set-template';

/** Runs bin/organization.ts as `cdk synth` runs an app (a child process told where to write), offline. */
function synthOrganizationApp(context: Record<string, string> = {}): Record<string, any> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'organization-app-'));
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'bin/organization.ts'], {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
      stdio: 'pipe',
    });
    return JSON.parse(fs.readFileSync(path.join(outdir, 'S3EncryptionOrganization.template.json'), 'utf8'));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const ofType = (template: Record<string, any>, type: string) =>
  Object.values(template.Resources as Record<string, any>).filter((r) => r.Type === type);

describe('the management-account app (bin/organization.ts)', () => {
  test('synthesizes offline: the RCP on the targets from context, and the StackSet', () => {
    const template = synthOrganizationApp({
      policyTargetIds: 'r-ab12', stackSetTargetOuIds: 'ou-ab12-11111111,ou-ab12-22222222', stackSetRegions: 'eu-west-1,us-east-1',
      keyAccounts: '111122223333',
    });
    const [policy] = ofType(template, 'AWS::Organizations::Policy');
    expect(policy.Properties.Type).toBe('RESOURCE_CONTROL_POLICY');
    expect(policy.Properties.TargetIds).toEqual(['r-ab12']);
    expect(policy.Properties.Content.Statement.map((s: any) => s.Sid)).toContain('DenyEncryptionKeyOfOtherAccount');
    const [stackSet] = ofType(template, 'AWS::CloudFormation::StackSet');
    expect(stackSet.Properties.StackInstancesGroup).toEqual([{
      DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-11111111', 'ou-ab12-22222222'] }, Regions: ['eu-west-1', 'us-east-1'],
    }]);
  });

  test('synthesizes with no context at all (placeholder targets)', () => {
    const template = synthOrganizationApp();
    expect(ofType(template, 'AWS::Organizations::Policy')).toHaveLength(1);
    expect(ofType(template, 'AWS::CloudFormation::StackSet')).toHaveLength(1);
  });
});

describe('ManagementAccountStack', () => {
  const app = new App();
  const stack = new ManagementAccountStack(app, 'Management', {
    policyTargetIds: ['ou-ab12-11111111'], stackSetTargetOuIds: ['ou-ab12-11111111'], stackSetRegions: ['eu-west-1'],
  });
  const template = Template.fromStack(stack);
  const member = JSON.parse(stack.memberTemplateBody);

  test('the StackSet: service-managed permissions, automatic deployment to new accounts, stacks kept on removal', () => {
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: true },
      CallAs: 'SELF',
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-11111111'] }, Regions: ['eu-west-1'] }],
      TemplateBody: stack.memberTemplateBody,
    });
  });

  test('a delegated administrator deploys it with CallAs DELEGATED_ADMIN', () => {
    const delegated = new ManagementAccountStack(new App(), 'Delegated', {
      policyTargetIds: ['r-ab12'], stackSetTargetOuIds: ['r-ab12'], stackSetRegions: ['eu-west-1'], deployedByDelegatedAdmin: true,
    });
    Template.fromStack(delegated).hasResourceProperties('AWS::CloudFormation::StackSet', { CallAs: 'DELEGATED_ADMIN' });
  });

  test('the member template is the reference stack: encrypted buckets with their bucket policies, and the key', () => {
    const types = Object.values(member.Resources as Record<string, any>).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::S3::Bucket')).toHaveLength(4);
    expect(types.filter((t) => t === 'AWS::S3::BucketPolicy')).toHaveLength(4);
    expect(types).toContain('AWS::KMS::Key');
    for (const policy of Object.values(member.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::S3::BucketPolicy')) {
      expect(policy.Properties.PolicyDocument.Statement.map((s: any) => s.Sid)).toContain('DenyInsecureTransport');
    }
  });

  test('the member template deploys into an account without the CDK bootstrap: no bootstrap parameter or rule, no asset bucket', () => {
    expect(member.Parameters).toBeUndefined();
    expect(member.Rules).toBeUndefined();
    expect(stack.memberTemplateBody).not.toMatch(/cdk-[a-z0-9]+-assets|BootstrapVersion|AssetParameters/);
    expect(Buffer.byteLength(stack.memberTemplateBody)).toBeLessThanOrEqual(MAX_TEMPLATE_BODY_BYTES);
    // Nothing in it needs IAM capabilities, which the StackSet does not grant.
    expect(Object.values(member.Resources as Record<string, any>).some((r) => r.Type.startsWith('AWS::IAM::'))).toBe(false);
  });

  test('requireTaggedKey: the StackSet\'s KMS bucket carries its key tag; its execution roles are tag administrators', () => {
    const tagged = new ManagementAccountStack(new App(), 'Tagged', {
      policyTargetIds: ['ou-ab12-11111111'], stackSetTargetOuIds: ['ou-ab12-11111111'], stackSetRegions: ['eu-west-1'],
      requireTaggedKey: true, tagAdminPrincipalArns: ['arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*'],
    });
    const taggedMember = JSON.parse(tagged.memberTemplateBody);
    const buckets = Object.values(taggedMember.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::S3::Bucket');
    const kmsBuckets = buckets.filter((b) => b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]
      .ServerSideEncryptionByDefault.SSEAlgorithm === 'aws:kms');
    expect(kmsBuckets).toHaveLength(1);
    expect(kmsBuckets[0].Properties.AbacStatus).toBe('Enabled');
    expect(kmsBuckets[0].Properties.Tags).toContainEqual({ Key: KEY_ARN_TAG_KEY,
      Value: kmsBuckets[0].Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID });
    const policies = Object.values(Template.fromStack(tagged).findResources('AWS::Organizations::Policy'));
    expect(policies.map((p) => p.Properties.Type).sort()).toEqual(['RESOURCE_CONTROL_POLICY', 'SERVICE_CONTROL_POLICY']);
    const scp = policies.find((p) => p.Properties.Type === 'SERVICE_CONTROL_POLICY')!;
    expect(scp.Properties.TargetIds).toEqual(['ou-ab12-11111111']);
    for (const statement of scp.Properties.Content.Statement) {
      expect(statement.Condition.ArnNotLike['aws:PrincipalArn'])
        .toEqual(['arn:*:iam::*:role/stacksets-exec-*', 'arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*']);
    }
    // Without it, nothing is tagged.
    expect(JSON.stringify(member)).not.toContain(KEY_ARN_TAG_KEY);
    expect(JSON.stringify(member)).not.toContain('AbacStatus');
  });

  test('fails with tagAdminPrincipalArns but without requireTaggedKey', () => {
    expect(() => new ManagementAccountStack(new App(), 'M', {
      policyTargetIds: ['r-ab12'], stackSetTargetOuIds: ['r-ab12'], stackSetRegions: ['eu-west-1'],
      tagAdminPrincipalArns: ['arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*'],
    })).toThrow(/tagAdminPrincipalArns has no effect without requireTaggedKey: true/);
  });

  test('fails when stackSetRegions is empty', () => {
    expect(() => new ManagementAccountStack(new App(), 'M', {
      policyTargetIds: ['r-ab12'], stackSetTargetOuIds: ['r-ab12'], stackSetRegions: [],
    })).toThrow(/stackSetRegions must name at least one region/);
  });
});

describe('what stops a stack from going into a StackSet', () => {
  test('a stack that needs asset uploads (a kmsManaged() bucket: its aws/s3 lookup is a Lambda function)', () => {
    const build = () => stackSetTemplateBody('Test', (app, synthesizer) => {
      const s = new Stack(app, 'Member', { synthesizer });
      new EncryptedBucket(s, 'Managed', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
      return s;
    });
    expect(build).toThrow(EncryptionValidationError);
    expect(build).toThrow(/needs asset uploads .* kmsManaged\(\) buckets/);
  });

  test('a stack bound to one account', () => {
    expect(() => stackSetTemplateBody('Test', (app, synthesizer) =>
      new Stack(app, 'Member', { synthesizer, env: { account: '111122223333', region: 'eu-west-1' } })))
      .toThrow(/bound to account 111122223333/);
  });

  test('a stack without assets goes in (control)', () => {
    const body = stackSetTemplateBody('Test', (app, synthesizer) => {
      const s = new Stack(app, 'Member', { synthesizer });
      new EncryptedBucket(s, 'Data', { serverSideEncryption: ServerSideEncryption.s3Managed() });
      return s;
    });
    expect(Object.values(JSON.parse(body).Resources as Record<string, any>).map((r) => r.Type)).toContain('AWS::S3::Bucket');
  });
});

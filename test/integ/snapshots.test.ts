// Keeps the integration tests (test/integ/integ.*.ts) in shape without an AWS account: each app
// synthesizes, matches its committed snapshot (test/integ/integ.<name>.ts.snapshot/, integ-runner's
// layout), and deploys only resources that a run can destroy again.
// `npm run integ:snapshot` writes the snapshots that changed.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  compareAssemblies,
  integTestFiles,
  normalizeTemplate,
  readComparable,
  snapshotDirOf,
  synthIntegApp,
  TEST_DIR,
} from './snapshot';

const FILES = integTestFiles();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-snapshots-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

test('one integration test per mode, plus strict mode, the key-ARN tag, and one per bucket type', () => {
  expect(FILES).toEqual([
    'integ.directory-bucket.ts',
    'integ.dsse-kms.ts',
    'integ.sse-c.ts',
    'integ.sse-kms-key-arn-tag.ts',
    'integ.sse-kms-managed.ts',
    'integ.sse-kms-strict.ts',
    'integ.sse-kms.ts',
    'integ.sse-s3.ts',
    'integ.table-bucket.ts',
    'integ.vector-bucket.ts',
  ]);
});

describe.each(FILES)('%s', (file) => {
  const snapshotDir = snapshotDirOf(file);
  let outdir: string;
  beforeAll(() => {
    outdir = synthIntegApp(file, path.join(tmp, file));
  });

  test('matches its committed snapshot (update with: npm run integ:snapshot)', () => {
    expect(compareAssemblies(readComparable(snapshotDir), readComparable(outdir))).toEqual([]);
  });

  test('is one IntegTest: a test stack and its assertion stack, no update workflow', () => {
    const integ = readJson(path.join(outdir, 'integ.json'));
    const cases = Object.values<any>(integ.testCases);
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ stackUpdateWorkflow: false, stacks: [expect.stringMatching(/^S3EncryptionInteg/)] });
    const stacks = Object.entries<any>(readJson(path.join(outdir, 'manifest.json')).artifacts)
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([id]) => id);
    expect(stacks.sort()).toEqual([...cases[0].stacks, cases[0].assertionStackName].sort());
  });

  test('the snapshot has integ-runner\'s layout and nothing specific to a machine', () => {
    const files = fs.readdirSync(snapshotDir).sort();
    expect(files).toEqual(expect.arrayContaining(['cdk.out', 'integ.json', 'manifest.json', 'tree.json']));
    const manifest = readJson(path.join(snapshotDir, 'manifest.json'));
    for (const artifact of Object.values<any>(manifest.artifacts)) {
      if (artifact.type === 'aws:cloudformation:stack') {
        expect(files).toContain(artifact.properties.templateFile);
      }
    }
    expect(files.filter((f) => f.startsWith('asset.') || f === '.cache')).toEqual([]);
    const local = [TEST_DIR, path.dirname(TEST_DIR), os.tmpdir(), os.homedir()];
    for (const f of files) {
      const text = fs.readFileSync(path.join(snapshotDir, f), 'utf8');
      expect({ file: f, local: local.filter((p) => text.includes(p)) }).toEqual({ file: f, local: [] });
    }
  });

  test('everything the test stack creates is deleted with it', () => {
    const integ = readJson(path.join(outdir, 'integ.json'));
    const [stack] = Object.values<any>(integ.testCases)[0].stacks;
    const resources = Object.entries<any>(readJson(path.join(outdir, `${stack}.template.json`)).Resources);
    const kept = resources
      .filter(([, r]) => (r.DeletionPolicy ?? 'Delete') !== 'Delete')
      .map(([id]) => id);
    expect(kept).toEqual([]);
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      for (const [, r] of resources.filter(([, x]) => x.Type === type)) {
        expect(r.DeletionPolicy).toBe('Delete');
      }
    }
    const buckets = resources.filter(([, r]) => r.Type === 'AWS::S3::Bucket').map(([id]) => id);
    const emptied = resources.filter(([, r]) => r.Type === 'Custom::S3AutoDeleteObjects')
      .map(([, r]) => r.Properties.BucketName.Ref);
    expect(emptied.sort()).toEqual(buckets.sort());
    const keys = resources.filter(([, r]) => r.Type === 'AWS::KMS::Key');
    for (const [, key] of keys) {
      expect(key.Properties.PendingWindowInDays).toBe(7);
    }
  });
});

describe('the snapshot comparison', () => {
  const file = 'integ.sse-kms.ts';
  const snapshot = () => readComparable(snapshotDirOf(file));

  /** A copy of the committed snapshot with one template edited. */
  function editedCopy(edit: (template: any) => void): string {
    const dir = path.join(tmp, 'edited', String(Math.random()).slice(2));
    fs.cpSync(snapshotDirOf(file), dir, { recursive: true });
    const templateFile = path.join(dir, 'S3EncryptionIntegSseKms.template.json');
    const template = readJson(templateFile);
    edit(template);
    fs.writeFileSync(templateFile, JSON.stringify(template, undefined, 1));
    return dir;
  }

  test('fails when a template changes, and says where', () => {
    const dir = editedCopy((template) => {
      const policy = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::S3::BucketPolicy');
      const tlsOnly = policy.Properties.PolicyDocument.Statement.find((st: any) => st.Sid === 'DenyInsecureTransport');
      tlsOnly.Condition.Bool['aws:SecureTransport'] = 'true';
    });
    const differences = compareAssemblies(snapshot(), readComparable(dir));
    expect(differences).toEqual([
      expect.stringMatching(/^S3EncryptionIntegSseKms\.Resources\.DataBucketPolicy\w+\.Properties\.PolicyDocument\.Statement\.\d+\.Condition\.Bool\.aws:SecureTransport: snapshot has "false", synthesized "true"$/),
    ]);
  });

  test('fails when a resource is added or removed', () => {
    const dir = editedCopy((template) => {
      const id = Object.keys(template.Resources).find((k) => k.startsWith('OtherKey'))!;
      delete template.Resources[id];
    });
    expect(compareAssemblies(snapshot(), readComparable(dir))).toEqual([
      expect.stringMatching(/^S3EncryptionIntegSseKms\.Resources\.OtherKey\w+: snapshot has \{"Type":"AWS::KMS::Key".*synthesized \(nothing\)$/),
    ]);
  });

  test('fails when a stack or the integ manifest changes', () => {
    const expected = snapshot();
    const integ = JSON.parse(JSON.stringify(expected.integManifest));
    Object.values<any>(integ.testCases)[0].stackUpdateWorkflow = true;
    const { S3EncryptionIntegSseKms: _, ...otherTemplates } = expected.templates;
    expect(compareAssemblies(expected, { integManifest: integ, templates: { ...otherTemplates, Extra: {} } })).toEqual([
      expect.stringMatching(/^integ\.json\.testCases\..*\.stackUpdateWorkflow: snapshot has false, synthesized true$/),
      'Extra: synthesized, but not in the snapshot',
      'S3EncryptionIntegSseKms: in the snapshot, but not synthesized any more',
    ]);
  });

  test('ignores what changes at every synthesis: asset hashes and assertion salts', () => {
    const hash = 'ab'.repeat(32);
    const template = {
      Resources: {
        Handler: { Properties: { Code: { S3Key: `${hash}.zip` } } },
        Check: { Type: 'Custom::DeployAssert@SdkCallLambdainvoke', Properties: { salt: '1700000000000' } },
      },
    };
    expect(normalizeTemplate(template, [hash])).toEqual({
      Resources: {
        Handler: { Properties: { Code: { S3Key: 'Asset1.zip' } } },
        Check: { Type: 'Custom::DeployAssert@SdkCallLambdainvoke', Properties: { salt: '<salt>' } },
      },
    });
  });

  test('ignores the tool versions in the integ manifest', () => {
    const dir = path.join(tmp, 'versions');
    fs.cpSync(snapshotDirOf(file), dir, { recursive: true });
    const integ = readJson(path.join(dir, 'integ.json'));
    fs.writeFileSync(path.join(dir, 'integ.json'), JSON.stringify({ ...integ, version: '99.0.0', minimumCliVersion: '9.9.9' }));
    expect(compareAssemblies(snapshot(), readComparable(dir))).toEqual([]);
  });
});

/*
 * Error messages name what went wrong in the user's words: a construct path, a prop, a literal
 * value. Never an unresolved token ("${Token[...]}", a number like -1.888e+289) and never
 * CloudFormation's syntax ({"Ref": ...}, Fn::GetAtt), which the user did not write. Each case
 * below passes a token where the library reports a value, and checks the message.
 */
import { App, Fn, Lazy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { EncryptedBucket, EncryptedBucketProps, EncryptionKey, ServerSideEncryption } from '../lib';

const env = { account: '111122223333', region: 'eu-west-1' };
const RAW = /\$\{Token\[|\{"Ref"|Fn::|"Ref":|-1\.8\d*e\+289/;

/** The message of the error that building and synthesizing throws. */
function messageOf(build: (stack: Stack) => void): string {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env });
  try {
    build(stack);
    app.synth();
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error was thrown)';
}

function deployInto(bucketProps: EncryptedBucketProps, deployProps: (stack: Stack, b: EncryptedBucket) => Partial<s3deploy.BucketDeploymentProps>) {
  return (stack: Stack) => {
    const bucket = new EncryptedBucket(stack, 'Site', bucketProps);
    new s3deploy.BucketDeployment(stack, 'Deploy', {
      sources: [s3deploy.Source.data('index.html', '<h1>hello</h1>')],
      destinationBucket: bucket,
      ...deployProps(stack, bucket),
    });
  };
}

const CASES: Array<[string, (stack: Stack) => void, RegExp]> = [
  ['BucketDeployment naming the bucket key by key id (a Ref)', deployInto({}, (_, b) => ({
    serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS,
    serverSideEncryptionAwsKmsKeyId: b.encryptionKey!.keyId,
  })), /names the key as the key id of 'TestStack\/Site\/Key' \(serverSideEncryptionAwsKmsKeyId\), which is not the full ARN/],
  ['BucketDeployment naming another key by ARN (a GetAtt)', deployInto({}, (stack) => ({
    serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS,
    serverSideEncryptionAwsKmsKeyId: new EncryptionKey(stack, 'Other').keyArn,
  })), /names the key as the ARN of 'TestStack\/Other' \(serverSideEncryptionAwsKmsKeyId\)/],
  ['BucketDeployment into kmsManaged() naming a key of the app', deployInto({ serverSideEncryption: ServerSideEncryption.kmsManaged() }, (stack) => ({
    serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS,
    serverSideEncryptionAwsKmsKeyId: new EncryptionKey(stack, 'Other').keyId,
  })), /names the key as the key id of 'TestStack\/Other' \(serverSideEncryptionAwsKmsKeyId\), but this bucket accepts only the AWS managed key/],
  ['BucketDeployment naming a key by a value computed at deploy time', deployInto({}, (stack) => ({
    serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS,
    serverSideEncryptionAwsKmsKeyId: `${new EncryptionKey(stack, 'Other').keyId}-suffix`,
  })), /names the key as a value that CloudFormation computes at deploy time/],
  ['replication to a destination under another key', (stack) => {
    const replica = new EncryptedBucket(stack, 'Replica');
    new EncryptedBucket(stack, 'Data', { replicationRules: [{ destination: replica, priority: 1, kmsKey: new kms.Key(stack, 'Other') }] });
  }, /TestStack\/Other/],
  ['a key ARN token that resolves to a bare key id at synth', (stack) => {
    const key = kms.Key.fromKeyArn(stack, 'Imported', Lazy.string({ produce: () => '1234abcd-12ab-34cd-56ef-1234567890ab' }));
    new EncryptedBucket(stack, 'Data', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
  }, /must be named by its full key ARN \(got "1234abcd-12ab-34cd-56ef-1234567890ab"\)/],
  ['a key ARN string (an import) where a key construct is expected', (stack) => {
    new EncryptedBucket(stack, 'Data', { serverSideEncryption: ServerSideEncryption.kms({ key: Fn.importValue('SharedKeyArn') as any }) });
  }, /key must be a KMS key construct .*\(got a token, resolved only at deploy time\)/],
];

describe.each(CASES)('%s', (_name, build, expected) => {
  const message = messageOf(build);
  test('says what is wrong in the user\'s terms', () => {
    expect(message).toMatch(expected);
  });
  test('prints no token and no CloudFormation syntax', () => {
    expect(message).not.toMatch(RAW);
  });
});

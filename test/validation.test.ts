import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptedBucket, EncryptedBucketProps, EncryptionKey, EncryptionKeyProps, EncryptionValidationError, ServerSideEncryption } from '../lib';
import { newStack } from './util';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const env = { account: ACCOUNT, region: REGION };

function bucket(props: EncryptedBucketProps, stack: Stack = newStack({ env })) {
  return () => new EncryptedBucket(stack, 'Bucket', props);
}

function key(props: EncryptionKeyProps) {
  return () => new EncryptionKey(newStack(), 'Key', props);
}

describe('EncryptionKey fails when', () => {
  test.each([
    [Duration.days(89), /rotationPeriod must be a whole number of days between 90 and 2560 \(got 89 days\)/],
    [Duration.days(2561), /rotationPeriod .* \(got 2561 days\)/],
    [Duration.hours(24 * 100 + 1), /rotationPeriod must be a whole number of days/],
  ])('rotationPeriod is %p', (rotationPeriod, message) => {
    expect(key({ rotationPeriod })).toThrow(message);
    expect(key({ rotationPeriod })).toThrow(EncryptionValidationError);
  });

  test.each([
    [Duration.days(6), /pendingWindow must be a whole number of days between 7 and 30 \(got 6 days\)/],
    [Duration.days(31), /pendingWindow .* \(got 31 days\)/],
  ])('pendingWindow is %p', (pendingWindow, message) => {
    expect(key({ pendingWindow })).toThrow(message);
  });

  test('rotationPeriod is not a Duration', () => {
    expect(key({ rotationPeriod: 365 as unknown as Duration })).toThrow(/rotationPeriod must be a Duration .*\(got 365\)/);
  });

  test('the bounds themselves are accepted', () => {
    expect(key({ rotationPeriod: Duration.days(90), pendingWindow: Duration.days(7) })).not.toThrow();
    expect(key({ rotationPeriod: Duration.days(2560), pendingWindow: Duration.days(30) })).not.toThrow();
  });

  test('an unresolved rotation period is left for deploy time, with rotation still on', () => {
    const stack = newStack();
    new EncryptionKey(stack, 'Key', { rotationPeriod: Duration.days(Lazy.number({ produce: () => 180 })) });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, RotationPeriodInDays: 180 });
  });
});

describe('EncryptedBucket fails when', () => {
  test.each([1.1, 1.0, 2, 12])('minimumTLSVersion is %p', (minimumTLSVersion) => {
    expect(bucket({ minimumTLSVersion })).toThrow(new RegExp(`minimumTLSVersion must be 1.2 or 1.3 \\(got ${minimumTLSVersion}\\)`));
    expect(bucket({ minimumTLSVersion })).toThrow(EncryptionValidationError);
  });

  test('the message names the construct path', () => {
    expect(bucket({ minimumTLSVersion: 1.1 })).toThrow(/^EncryptedBucket 'TestStack\/Bucket': minimumTLSVersion/);
    expect(key({ pendingWindow: Duration.days(3) })).toThrow(/^EncryptionKey 'TestStack\/Key': pendingWindow/);
  });

  test('minimumTLSVersion is a string', () => {
    expect(bucket({ minimumTLSVersion: '1.2' as unknown as number })).toThrow(/minimumTLSVersion must be 1.2 or 1.3 \(got "1.2"\)/);
  });

  test('minimumTLSVersion is an unresolved token: accepted', () => {
    expect(bucket({ minimumTLSVersion: Lazy.number({ produce: () => 1.2 }) })).not.toThrow();
  });

  // Renamed in 0.2.0: JavaScript callers that still pass the old name must not silently lose the
  // TLS-version statement.
  test.each([1.2, 1.3, 1.1])('the old prop name minimumTlsVersion is given (%p, from JavaScript)', (version) => {
    const props = { minimumTlsVersion: version } as unknown as EncryptedBucketProps;
    expect(bucket(props)).toThrow(new RegExp(`minimumTlsVersion was renamed to minimumTLSVersion \\(got minimumTlsVersion: ${version}\\)`));
    expect(bucket(props)).toThrow(EncryptionValidationError);
  });

  test('the key is asymmetric', () => {
    const stack = newStack({ env });
    const rsa = new kms.Key(stack, 'Rsa', { keySpec: kms.KeySpec.RSA_2048, keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT });
    expect(bucket({ serverSideEncryption: ServerSideEncryption.kms({ key: rsa }) }, stack))
      .toThrow(/must be a symmetric encryption key \(got KeySpec RSA_2048, KeyUsage ENCRYPT_DECRYPT\)/);
  });

  test('the key is an HMAC key', () => {
    const stack = newStack({ env });
    const hmac = new kms.Key(stack, 'Hmac', { keySpec: kms.KeySpec.HMAC_256, keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC });
    expect(bucket({ serverSideEncryption: ServerSideEncryption.dsseKms({ key: hmac }) }, stack))
      .toThrow(/symmetric encryption key \(got KeySpec HMAC_256, KeyUsage GENERATE_VERIFY_MAC\)/);
  });

  test('the key ARN is in another region than the stack', () => {
    const stack = newStack({ env });
    const other = kms.Key.fromKeyArn(stack, 'Other', `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    expect(bucket({ serverSideEncryption: ServerSideEncryption.kms({ key: other }) }, stack))
      .toThrow(/the key of serverSideEncryption is in region us-east-1, but the bucket's stack is in eu-west-1/);
  });

  test('the key is defined in a stack of another region', () => {
    const app = new App();
    const keyStack = new Stack(app, 'Keys', { env: { account: ACCOUNT, region: 'us-west-2' } });
    const dataStack = new Stack(app, 'Data', { env });
    const k = new EncryptionKey(keyStack, 'Key');
    expect(() => new EncryptedBucket(dataStack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kms({ key: k }) }))
      .toThrow(/in region us-west-2, but the bucket's stack is in eu-west-1/);
  });

  test('the region of an environment-agnostic stack is a token: the check is skipped', () => {
    const stack = newStack();
    const other = kms.Key.fromKeyArn(stack, 'Other', `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    expect(bucket({ serverSideEncryption: ServerSideEncryption.kms({ key: other }) }, stack)).not.toThrow();
  });

  test('the key is an alias', () => {
    const stack = newStack({ env });
    const alias = kms.Alias.fromAliasName(stack, 'Alias', 'alias/data');
    expect(bucket({ serverSideEncryption: ServerSideEncryption.kms({ key: alias }) }, stack))
      .toThrow(/must be a KMS key, not an alias \(got alias "alias\/data"\).*aliasTargetKey/);
  });

  test('the key is an alias construct', () => {
    const stack = newStack({ env });
    const alias = new kms.Alias(stack, 'Alias', { aliasName: 'alias/data', targetKey: new EncryptionKey(stack, 'Key') });
    expect(bucket({ serverSideEncryption: ServerSideEncryption.dsseKms({ key: alias }) }, stack)).toThrow(/not an alias/);
  });

  test('the key is imported from an alias ARN', () => {
    const stack = newStack({ env });
    const imported = kms.Key.fromKeyArn(stack, 'ByAlias', `arn:aws:kms:${REGION}:${ACCOUNT}:alias/data`);
    expect(bucket({ serverSideEncryption: ServerSideEncryption.kms({ key: imported }) }, stack))
      .toThrow(/must be named by its full key ARN \(got "arn:aws:kms:eu-west-1:111122223333:alias\/data"\)/);
  });

  test.each([
    ['s3Managed', () => ServerSideEncryption.s3Managed()],
    ['dsseKms', () => ServerSideEncryption.dsseKms()],
    ['customerProvided', () => ServerSideEncryption.customerProvided()],
  ])('bucketKeyEnabled is set in %s, which has no Bucket Keys', (_name, sse) => {
    expect(bucket({ serverSideEncryption: sse(), bucketKeyEnabled: true })).toThrow(/bucketKeyEnabled is not supported in mode \w+ \(got true\).*Remove bucketKeyEnabled/);
  });

  test('bucketKeyEnabled contradicts the bucketKey option', () => {
    expect(bucket({ serverSideEncryption: ServerSideEncryption.kms({ bucketKey: true }), bucketKeyEnabled: false }))
      .toThrow(/bucketKeyEnabled \(false\) contradicts the bucketKey option of serverSideEncryption \(true\)/);
  });

  test('dsseKms is given a bucketKey option (from JavaScript)', () => {
    expect(() => ServerSideEncryption.dsseKms({ bucketKey: true } as never)).toThrow(/bucketKey is not supported \(got true\).*DSSE-KMS/);
  });

  const managedProps: Array<[string, EncryptedBucketProps, RegExp]> = [
    ['encryption', { encryption: s3.BucketEncryption.KMS }, /encryption is managed by EncryptedBucket and cannot be set \(got "KMS"\)\. Use serverSideEncryption/],
    ['blockedEncryptionTypes', { blockedEncryptionTypes: [s3.BlockedEncryptionType.NONE] }, /blockedEncryptionTypes is managed by EncryptedBucket.*customerProvided/],
    ['enforceSSL: false', { enforceSSL: false }, /enforceSSL cannot be false \(got false\): TLS-only access is always on/],
  ];
  test.each(managedProps)('%s is set', (_name, props, message) => {
    expect(bucket(props)).toThrow(message);
  });

  test('encryptionKey is set', () => {
    const stack = newStack({ env });
    const k = new EncryptionKey(stack, 'Key');
    expect(bucket({ encryptionKey: k }, stack)).toThrow(/encryptionKey is managed by EncryptedBucket and cannot be set \(got a EncryptionKey\)\. Use serverSideEncryption: ServerSideEncryption.kms\(\{ key \}\)/);
  });

  test('serverSideEncryption is not from a factory', () => {
    expect(bucket({ serverSideEncryption: 'aws:kms' as never })).toThrow(/serverSideEncryption must come from a ServerSideEncryption factory .*\(got "aws:kms"\)/);
    expect(bucket({ serverSideEncryption: { mode: 'KMS' } as never })).toThrow(/serverSideEncryption must come from a ServerSideEncryption factory/);
  });

  test('a key is passed to kms() directly instead of { key }', () => {
    const stack = newStack({ env });
    const k = new EncryptionKey(stack, 'Key');
    expect(() => ServerSideEncryption.kms(k as never)).toThrow(/options must be an object such as \{ key \}.*ServerSideEncryption.kms\(\{ key: myKey \}\)/);
  });

  test('the key is an ARN string', () => {
    expect(() => ServerSideEncryption.kms({ key: `arn:aws:kms:${REGION}:${ACCOUNT}:key/abc` as never }))
      .toThrow(/key must be a KMS key construct .*kms.Key.fromKeyArn/);
  });
});

describe('no TypeError escapes for any input', () => {
  const weird: unknown[] = [null, undefined, 0, 1.5, NaN, '', 'x', true, [], {}, () => 1, Symbol('s'), { keyArn: 5 }, [1, 2], new Date(0)];

  test.each(weird.map((v) => [typeof v, v]))('input of type %s', (_t, value) => {
    const attempts: Array<() => unknown> = [
      () => new EncryptedBucket(newStack(), 'B', value as never),
      () => new EncryptedBucket(newStack(), 'B', { serverSideEncryption: value as never }),
      () => new EncryptedBucket(newStack(), 'B', { minimumTLSVersion: value as never }),
      () => new EncryptedBucket(newStack(), 'B', { requireEncryptionHeaders: value as never }),
      () => new EncryptedBucket(newStack(), 'B', { bucketKeyEnabled: value as never }),
      () => new EncryptedBucket(newStack({ env }), 'B', { serverSideEncryption: ServerSideEncryption.kms({ key: value as never }) }),
      () => ServerSideEncryption.kms(value as never),
      () => ServerSideEncryption.kms({ bucketKey: value as never }),
      () => ServerSideEncryption.kmsManaged(value as never),
      () => ServerSideEncryption.dsseKms(value as never),
      () => ServerSideEncryption.dsseKms({ key: value as never }),
      () => new EncryptionKey(newStack(), 'K', value as never),
      () => new EncryptionKey(newStack(), 'K', { rotationPeriod: value as never }),
      () => new EncryptionKey(newStack(), 'K', { pendingWindow: value as never }),
      () => new EncryptionKey(newStack(), 'K', { alias: value as never }),
      () => new EncryptionKey(newStack(), 'K', { admins: value as never }),
      () => new EncryptionKey(newStack(), 'K', { removalPolicy: value as never }),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
      } catch (e) {
        expect(e).not.toBeInstanceOf(TypeError);
        expect((e as Error).message).toMatch(/\S/);
      }
    }
  });
});

describe('accepted input is synthesized', () => {
  test('every factory with its options', () => {
    const stack = newStack({ env });
    const k = new EncryptionKey(stack, 'Key');
    new EncryptedBucket(stack, 'A', { serverSideEncryption: ServerSideEncryption.kms({ key: k, bucketKey: false }), bucketKeyEnabled: false });
    new EncryptedBucket(stack, 'B', { serverSideEncryption: ServerSideEncryption.kmsManaged({ bucketKey: false }) });
    new EncryptedBucket(stack, 'C', { serverSideEncryption: ServerSideEncryption.dsseKms({ key: k }), minimumTLSVersion: 1.3 });
    new EncryptedBucket(stack, 'D', { serverSideEncryption: ServerSideEncryption.customerProvided(), requireEncryptionHeaders: true });
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 4);
  });
});

import { TemplateResolver, TEST_ACCOUNT, TEST_PARTITION, TEST_REGION, UnresolvableError } from './policy-eval/resolve';

const TEMPLATE = {
  Resources: {
    Bucket83908E77: { Type: 'AWS::S3::Bucket', Properties: {} },
    NamedBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': 'logs-${AWS::AccountId}-${AWS::Region}' } } },
    Key961B73FD: { Type: 'AWS::KMS::Key', Properties: {} },
    RoleABC: { Type: 'AWS::IAM::Role', Properties: {} },
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
  },
};

const r = new TemplateResolver(TEMPLATE);

describe('TemplateResolver', () => {
  test('pseudo parameters take the fixed test values', () => {
    expect(r.resolve({ Ref: 'AWS::AccountId' })).toBe(TEST_ACCOUNT);
    expect(r.resolve({ Ref: 'AWS::Region' })).toBe(TEST_REGION);
    expect(r.resolve({ Ref: 'AWS::Partition' })).toBe(TEST_PARTITION);
    expect(r.resolve({ Ref: 'AWS::URLSuffix' })).toBe('amazonaws.com');
  });

  test('Ref and Fn::GetAtt give bucket, key and role names and ARNs', () => {
    expect(r.resolve({ Ref: 'Bucket83908E77' })).toBe('bucket83908e77');
    expect(r.resolve({ 'Fn::GetAtt': ['Bucket83908E77', 'Arn'] })).toBe('arn:aws:s3:::bucket83908e77');
    expect(r.resolve({ 'Fn::GetAtt': 'Bucket83908E77.Arn' })).toBe('arn:aws:s3:::bucket83908e77');
    expect(r.resolve({ Ref: 'NamedBucket' })).toBe(`logs-${TEST_ACCOUNT}-${TEST_REGION}`);

    const keyArn = r.resolve({ 'Fn::GetAtt': ['Key961B73FD', 'Arn'] });
    expect(keyArn).toMatch(new RegExp(`^arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`));
    expect(keyArn).toBe(`arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/${r.resolve({ Ref: 'Key961B73FD' })}`);
    expect(r.resolve({ 'Fn::GetAtt': ['RoleABC', 'Arn'] })).toBe(`arn:aws:iam::${TEST_ACCOUNT}:role/RoleABC`);
  });

  test('two keys get different ids', () => {
    const two = new TemplateResolver({ Resources: { A: { Type: 'AWS::KMS::Key' }, B: { Type: 'AWS::KMS::Key' } } });
    expect(two.resolve({ Ref: 'A' })).not.toBe(two.resolve({ Ref: 'B' }));
  });

  test('Fn::Join, nested, as CDK writes object ARNs and the account root', () => {
    expect(r.resolve({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket83908E77', 'Arn'] }, '/*']] })).toBe('arn:aws:s3:::bucket83908e77/*');
    expect(r.resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] }))
      .toBe(`arn:aws:iam::${TEST_ACCOUNT}:root`);
    expect(r.resolve({ 'Fn::Join': [',', ['a', { 'Fn::Join': ['-', ['b', 'c']] }]] })).toBe('a,b-c');
  });

  test('Fn::Sub with pseudo parameters, resources, attributes, variables and ${!literal}', () => {
    expect(r.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Bucket83908E77}/*' })).toBe('arn:aws:s3:::bucket83908e77/*');
    expect(r.resolve({ 'Fn::Sub': '${RoleABC.Arn}' })).toBe(`arn:aws:iam::${TEST_ACCOUNT}:role/RoleABC`);
    expect(r.resolve({ 'Fn::Sub': ['${B}/${x}', { B: { 'Fn::GetAtt': ['Bucket83908E77', 'Arn'] }, x: 'k' }] }))
      .toBe('arn:aws:s3:::bucket83908e77/k');
    expect(r.resolve({ 'Fn::Sub': '${!aws:username}' })).toBe('${aws:username}');
  });

  test('plain values and whole policy documents resolve deeply, keeping Condition blocks and numbers', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [{ 'Fn::GetAtt': ['Bucket83908E77', 'Arn'] }],
        Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 }, Bool: { 'aws:SecureTransport': 'false' } },
      }],
    };
    expect(r.resolve(doc)).toEqual({
      ...doc,
      Statement: [{ ...doc.Statement[0], Resource: ['arn:aws:s3:::bucket83908e77'] }],
    });
  });

  test.each([
    ['an unsupported intrinsic', { 'Fn::If': ['Cond', 'a', 'b'] }, /unsupported intrinsic Fn::If/],
    ['Fn::Select', { 'Fn::Select': [0, ['a']] }, /unsupported intrinsic Fn::Select/],
    ['Fn::ImportValue', { 'Fn::ImportValue': 'Export' }, /unsupported intrinsic Fn::ImportValue/],
    ['an unknown logical id', { Ref: 'Missing' }, /no resource with logical id "Missing"/],
    ['an unknown pseudo parameter', { Ref: 'AWS::StackName' }, /unsupported pseudo parameter AWS::StackName/],
    ['AWS::NoValue', { Ref: 'AWS::NoValue' }, /unsupported pseudo parameter AWS::NoValue/],
    ['an unknown attribute', { 'Fn::GetAtt': ['Bucket83908E77', 'WebsiteURL'] }, /Bucket83908E77.WebsiteURL/],
    ['a resource type it does not model', { Ref: 'Queue' }, /AWS::SQS::Queue/],
    ['an unknown name in Fn::Sub', { 'Fn::Sub': '${Nope}' }, /no resource with logical id "Nope"/],
    ['an unknown pseudo parameter in Fn::Sub', { 'Fn::Sub': '${AWS::StackId}' }, /AWS::StackId/],
    ['a malformed Fn::Join', { 'Fn::Join': ['', 'abc'] }, /Fn::Join takes/],
    ['a malformed Fn::GetAtt', { 'Fn::GetAtt': ['A', 'B', 'C'] }, /Fn::GetAtt takes/],
    ['an intrinsic mixed with other keys', { Ref: 'AWS::Region', Extra: 1 }, /mixes the intrinsic Ref/],
    ['an unresolved CDK token', 'arn:${Token[TOKEN.123]}', /unresolved CDK token/],
    ['null', null, /null/],
    ['a non-string inside Fn::Join', { 'Fn::Join': ['', [{ a: 1 }]] }, /expected a string/],
  ])('throws on %s', (_what, value, message) => {
    expect(() => r.resolve(value)).toThrow(UnresolvableError);
    expect(() => r.resolve(value)).toThrow(message);
  });

  test('the error says where in the value it failed', () => {
    expect(() => r.resolve({ Statement: [{ Resource: { Ref: 'Missing' } }] })).toThrow(UnresolvableError);
    expect(() => r.resolve({ Statement: [{ Condition: { Bool: { 'Fn::If': [] } } }] })).toThrow(/\$\.Statement\[0\]\.Condition\.Bool/);
  });

  test('a template without Resources is rejected', () => {
    expect(() => new TemplateResolver({} as never)).toThrow(/no Resources/);
  });
});

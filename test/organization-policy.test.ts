import { Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EncryptionValidationError, OrganizationEncryptionPolicy, OrganizationEncryptionPolicyProps } from '../lib';
import { minifiedLength, RCP_MAX_CHARACTERS, rcpGrammarViolations } from '../lib/private/rcp-grammar';
import { newStack } from './util';

function synth(props: Partial<OrganizationEncryptionPolicyProps> = {}) {
  const stack = newStack();
  const policy = new OrganizationEncryptionPolicy(stack, 'S3Encryption', { targetIds: ['ou-abcd-12345678'], ...props });
  const template = Template.fromStack(stack);
  const resource = Object.values(template.findResources('AWS::Organizations::Policy'))[0];
  return { stack, policy, template, content: resource.Properties.Content, properties: resource.Properties };
}

const sids = (content: any): string[] => content.Statement.map((s: any) => s.Sid);
const statement = (content: any, sid: string) => content.Statement.find((s: any) => s.Sid === sid);

describe('OrganizationEncryptionPolicy', () => {
  test('synthesizes one RESOURCE_CONTROL_POLICY with Content as a JSON object, the targets, a name and a description', () => {
    const { template, properties } = synth({ targetIds: ['r-ab12', 'ou-ab12-34567890', '123456789012'] });
    template.resourceCountIs('AWS::Organizations::Policy', 1);
    template.hasResourceProperties('AWS::Organizations::Policy', {
      Type: 'RESOURCE_CONTROL_POLICY',
      TargetIds: ['r-ab12', 'ou-ab12-34567890', '123456789012'],
      Name: Match.stringLikeRegexp('S3Encryption'),
      Description: Match.stringLikeRegexp('plain HTTP'),
      Content: { Version: '2012-10-17', Statement: Match.anyValue() },
    });
    expect(typeof properties.Content).toBe('object');
    expect(Array.isArray(properties.Content.Statement)).toBe(true);
  });

  test('name and description can be given', () => {
    const { properties } = synth({ policyName: 'S3Encryption', description: 'Our S3 rules' });
    expect(properties.Name).toBe('S3Encryption');
    expect(properties.Description).toBe('Our S3 rules');
  });

  test('by default: plain HTTP and SSE-C uploads denied, nothing else', () => {
    const { content } = synth();
    expect(sids(content)).toEqual(['DenyInsecureTransport', 'DenyCustomerProvidedKeys']);
    expect(statement(content, 'DenyInsecureTransport')).toEqual({
      Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(statement(content, 'DenyCustomerProvidedKeys')).toEqual({
      Sid: 'DenyCustomerProvidedKeys', Effect: 'Deny', Principal: '*', Action: ['s3:PutObject', 's3:ReplicateObject'], Resource: '*',
      Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
    });
  });

  test('every option: each statement exactly', () => {
    const { content } = synth({
      allowedAlgorithms: ['aws:kms', 'aws:kms:dsse'], keyAccounts: ['111122223333'], minimumTlsVersion: 1.3,
      requireEncryptionHeaders: true, exemptPrincipalArns: ['arn:aws:iam::111122223333:role/BreakGlass'],
    });
    const exempt = { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/BreakGlass' } };
    const keyPatterns = ['arn:*:kms:*:${aws:ResourceAccount}:*', 'arn:*:kms:*:111122223333:*'];
    const KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';
    const SSE = 's3:x-amz-server-side-encryption';
    const deny = { Effect: 'Deny', Principal: '*', Resource: '*' };
    expect(content.Statement).toEqual([
      { ...deny, Sid: 'DenyInsecureTransport', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { ...deny, Sid: 'DenyOutdatedTlsVersion', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.3 } } },
      {
        ...deny, Sid: 'DenyIncorrectEncryptionHeader', Action: ['s3:PutObject', 's3:ReplicateObject', 's3:UpdateObjectEncryption'],
        Condition: { StringNotEquals: { [SSE]: ['aws:kms', 'aws:kms:dsse'] }, Null: { [SSE]: 'false' }, ...exempt },
      },
      {
        ...deny, Sid: 'DenyEncryptionKeyOfOtherAccount', Action: ['s3:PutObject', 's3:ReplicateObject'],
        Condition: { StringNotLike: { [KEY]: keyPatterns }, Null: { [KEY]: 'false', [SSE]: 'false' }, ...exempt },
      },
      {
        ...deny, Sid: 'DenyUpdateObjectEncryptionToOtherAccountKey', Action: 's3:UpdateObjectEncryption',
        Condition: { StringNotLike: { [KEY]: keyPatterns }, Null: { [KEY]: 'false' }, ...exempt },
      },
      {
        ...deny, Sid: 'DenyCustomerProvidedKeys', Action: ['s3:PutObject', 's3:ReplicateObject'],
        Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' }, ...exempt },
      },
      {
        ...deny, Sid: 'DenyUnencryptedObjectUploads', Action: 's3:PutObject',
        Condition: { Null: { [SSE]: 'true' }, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' }, ...exempt },
      },
    ]);
  });

  test('every configuration obeys the RCP grammar and the size limit', () => {
    for (const props of [{}, { allowedAlgorithms: ['AES256'] }, { keyAccounts: ['111122223333', '444455556666'], requireEncryptionHeaders: true },
      { minimumTlsVersion: 1.2, exemptPrincipalArns: ['arn:aws:iam::111122223333:role/A', 'arn:aws:iam::444455556666:role/B*'] }]) {
      const { content } = synth(props);
      expect(rcpGrammarViolations(content)).toEqual([]);
      expect(minifiedLength(content)).toBeLessThanOrEqual(RCP_MAX_CHARACTERS);
    }
  });

  test('duplicates in the lists are written once', () => {
    const { content } = synth({ allowedAlgorithms: ['aws:kms', 'aws:kms'], keyAccounts: ['111122223333', '111122223333'] });
    expect(statement(content, 'DenyIncorrectEncryptionHeader').Condition.StringNotEquals['s3:x-amz-server-side-encryption']).toBe('aws:kms');
    expect(statement(content, 'DenyEncryptionKeyOfOtherAccount').Condition.StringNotLike['s3:x-amz-server-side-encryption-aws-kms-key-id'])
      .toHaveLength(2);
  });

  test('unresolved tokens are left for deploy time', () => {
    const token = Lazy.string({ produce: () => 'ou-abcd-12345678' });
    expect(() => synth({ targetIds: [token], exemptPrincipalArns: [Lazy.string({ produce: () => 'arn:aws:iam::111122223333:role/X' })] }))
      .not.toThrow();
  });

  describe('bad input', () => {
    const fails = (props: Partial<OrganizationEncryptionPolicyProps>, message: RegExp) => {
      expect(() => synth(props)).toThrow(EncryptionValidationError);
      expect(() => synth(props)).toThrow(message);
    };

    test.each([
      [['ou-1234'], /targetIds must hold .*got "ou-1234"/],
      [['root'], /got "root"/],
      [['12345678901'], /got "12345678901"/],
      [['o-abcd1234'], /got "o-abcd1234"/],
    ])('fails when a target id is malformed (%j)', (targetIds, message) => fails({ targetIds }, message));

    test('fails when targetIds is empty', () => fails({ targetIds: [] }, /targetIds must name at least one target/));
    test('fails when targetIds is not a list', () => fails({ targetIds: 'r-abcd' as any }, /targetIds must be a list of strings/));
    test('names the construct path', () => fails({ targetIds: [] }, /OrganizationEncryptionPolicy 'TestStack\/S3Encryption'/));

    test.each([['AES-256'], ['aws:kms:DSSE'], ['SSE-C']])('fails when an algorithm is unknown (%s)', (algorithm) =>
      fails({ allowedAlgorithms: [algorithm] }, new RegExp(`allowedAlgorithms must hold only AES256, aws:kms, aws:kms:dsse \\(got "${algorithm}"\\)`)));
    test('fails when allowedAlgorithms is empty', () => fails({ allowedAlgorithms: [] }, /allowedAlgorithms must not be empty/));

    test.each([['11112222333'], ['1111-2222-3333'], ['arn:aws:iam::111122223333:root']])('fails when a key account is not 12 digits (%s)', (account) =>
      fails({ keyAccounts: [account] }, /keyAccounts must hold 12-digit account ids/));
    test('fails when keyAccounts is empty', () => fails({ keyAccounts: [] }, /keyAccounts must not be empty/));
    test('fails when a key account is a number', () => fails({ keyAccounts: [111122223333 as any] }, /keyAccounts must be a list of strings/));

    test.each([[1.1], [1.0], [2], ['1.2']])('fails when minimumTlsVersion is %p', (version) =>
      fails({ minimumTlsVersion: version as any }, /minimumTlsVersion must be 1.2 or 1.3/));

    test('fails when requireEncryptionHeaders is not a boolean', () =>
      fails({ requireEncryptionHeaders: 'yes' as any }, /requireEncryptionHeaders must be true or false \(got "yes"\)/));

    test.each([['BreakGlass'], ['arn:aws:s3:::bucket'], ['arn:aws:iam::1234:role/X']])('fails when an exempt principal is not an IAM ARN (%s)', (arn) =>
      fails({ exemptPrincipalArns: [arn] }, /exemptPrincipalArns must hold IAM principal ARNs of a named account/));

    // aws:PrincipalArn matches principals of every account: a wildcard account would exempt a
    // same-named role outside the organization (proven by the evaluator in policy-rcp.test.ts).
    test.each([['arn:aws:iam::*:role/BreakGlass'], ['arn:aws:iam::*:role/BreakGlass*'], ['arn:aws:sts::*:assumed-role/Admin/*'],
      ['arn:aws:iam::11112222333?:role/BreakGlass'], ['arn:aws:iam::1111*:role/BreakGlass']])(
      'fails when an exempt principal has a wildcard account (%s), naming the fix', (arn) =>
        fails({ exemptPrincipalArns: [arn] },
          /exemptPrincipalArns must name the account of each principal .*same-named role outside the organization.*arn:aws:iam::111122223333:role\/BreakGlass\*/));

    test('the size error suggests a name wildcard within one account, never a wildcard account', () => {
      const many = Array.from({ length: 100 }, (_, i) => `arn:aws:iam::111122223333:role/break-glass-role-number-${i}`);
      let message = '';
      try {
        synth({ exemptPrincipalArns: many });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/more than the 5120 .*arn:aws:iam::111122223333:role\/BreakGlass\*/);
      expect(message).not.toMatch(/iam::\*:/);
    });

    test('fails when the policy would exceed the RCP size limit, with the size', () => {
      const many = Array.from({ length: 100 }, (_, i) => `arn:aws:iam::111122223333:role/break-glass-role-number-${i}`);
      fails({ exemptPrincipalArns: many }, new RegExp(`the policy has \\d+ characters without whitespace, more than the ${RCP_MAX_CHARACTERS}`));
    });

    test('fails when props are missing', () => {
      expect(() => new OrganizationEncryptionPolicy(new Stack(), 'P', undefined as any)).toThrow(/props must be an object with targetIds/);
    });
  });
});

describe('the RCP grammar validator', () => {
  const valid = () => ({
    Version: '2012-10-17',
    Statement: [{ Sid: 'DenyHttp', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
  });
  const withStatement = (change: (s: any) => void) => {
    const doc: any = valid();
    change(doc.Statement[0]);
    return doc;
  };

  test('accepts a valid Deny-only RCP', () => {
    expect(rcpGrammarViolations(valid())).toEqual([]);
  });

  test.each([
    ['NotPrincipal', withStatement((s) => { s.NotPrincipal = { AWS: 'arn:aws:iam::111122223333:root' }; }), /NotPrincipal is not supported/],
    ['NotAction', withStatement((s) => { delete s.Action; s.NotAction = 's3:GetObject'; }), /NotAction is not supported/],
    ['Action "*"', withStatement((s) => { s.Action = '*'; }), /Action must not be "\*"/],
    ['Action "*" in a list', withStatement((s) => { s.Action = ['s3:PutObject', '*']; }), /Action must not be "\*"/],
    ['Principal {"AWS": "*"}', withStatement((s) => { s.Principal = { AWS: '*' }; }), /Principal must be "\*"/],
    ['an account principal', withStatement((s) => { s.Principal = { AWS: '111122223333' }; }), /Principal must be "\*"/],
    ['no Principal', withStatement((s) => { delete s.Principal; }), /Principal must be "\*"/],
    ['an Allow', withStatement((s) => { s.Effect = 'Allow'; }), /Effect must be "Deny"/],
    ['no Resource', withStatement((s) => { delete s.Resource; }), /Resource or NotResource is required/],
    ['no Action', withStatement((s) => { delete s.Action; }), /Action is required/],
    ['a malformed action', withStatement((s) => { s.Action = 'PutObject'; }), /not of the form service:Action/],
    ['a Sid with a dash', withStatement((s) => { s.Sid = 'Deny-Http'; }), /Sid must be letters and digits/],
    ['an unknown element', withStatement((s) => { s.Principals = '*'; }), /unknown element Principals/],
    ['an old Version', { ...valid(), Version: '2008-10-17' }, /Version must be "2012-10-17"/],
    ['no statement', { Version: '2012-10-17', Statement: [] }, /no statement/],
    ['a Sid used twice', { Version: '2012-10-17', Statement: [valid().Statement[0], valid().Statement[0]] }, /Sid is used twice/],
  ])('rejects %s', (_name, doc, message) => {
    const violations = rcpGrammarViolations(doc);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.join('\n')).toMatch(message);
  });

  test('counts the size without whitespace', () => {
    expect(minifiedLength({ a: [1, 2] })).toBe('{"a":[1,2]}'.length);
  });
});

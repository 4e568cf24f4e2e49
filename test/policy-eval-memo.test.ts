/**
 * The evaluator shares one verdict between inputs of equal content (test/policy-eval/evaluate.ts).
 * Two inputs that differ in anything the evaluator reads must never share one.
 */
import { EvalPolicies, EvalRequest, inputKey } from './policy-eval/evaluate';

const request: EvalRequest = {
  principal: 'arn:aws:iam::111111111111:role/Writer',
  action: 's3:PutObject',
  resource: 'arn:aws:s3:::bucket/key',
  resourceAccount: '111111111111',
  context: { 'aws:SecureTransport': 'true', 's3:x-amz-server-side-encryption': 'aws:kms' },
};
const statement = { Effect: 'Deny', Action: 's3:PutObject', Resource: '*' };
const policies: EvalPolicies = { identity: [{ name: 'id', policy: { Statement: [] } }] };

test('the order in which a request lists its context keys does not matter', () => {
  const reordered = { ...request, context: { 's3:x-amz-server-side-encryption': 'aws:kms', 'aws:SecureTransport': 'true' } };
  expect(inputKey(reordered, policies)).toEqual(inputKey(request, policies));
});

test.each<[string, EvalRequest, EvalPolicies]>([
  ['the principal', { ...request, principal: 'arn:aws:iam::111111111111:role/Other' }, policies],
  ['the action', { ...request, action: 's3:GetObject' }, policies],
  ['the resource', { ...request, resource: 'arn:aws:s3:::other/key' }, policies],
  ['the resource account', { ...request, resourceAccount: '222222222222' }, policies],
  ['a context value', { ...request, context: { ...request.context, 'aws:SecureTransport': 'false' } }, policies],
  ['ABAC on the bucket', { ...request, bucketAbacEnabled: true }, policies],
  ['the identity policies', request, { identity: [{ name: 'id', policy: { Statement: [statement] } }] }],
  ['the resource policy', request, { ...policies, resource: { Statement: [statement] } }],
  ['the resource control policies', request, { ...policies, resourceControlPolicies: [{ name: 'rcp', policy: { Statement: [statement] } }] }],
  ['the service control policies', request, { ...policies, serviceControlPolicies: [{ name: 'scp', policy: { Statement: [statement] } }] }],
])('inputs that differ in %s do not share a verdict', (_what, otherRequest, otherPolicies) => {
  expect(inputKey(otherRequest, otherPolicies)).not.toEqual(inputKey(request, policies));
});

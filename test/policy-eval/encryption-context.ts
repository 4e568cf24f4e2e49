/**
 * Carries the S3 encryption context (`kms:EncryptionContext:aws:s3:arn`) through the independent
 * evaluator, which cannot carry it itself.
 *
 * The evaluator knows the key family `kms:EncryptionContext:${EncryptionContextKey}`, but only
 * fills in variable key parts written after a `/` (as in `aws:PrincipalTag/<tag>`): a request
 * context key `kms:EncryptionContext:aws:s3:arn` is dropped, and evaluate() then throws rather
 * than return a verdict that ignored it. So the requests and policies here are rewritten before
 * evaluation: that one condition key becomes a stand-in key that the evaluator models for the
 * same KMS actions, with the same type (a single-valued String), and that no policy under test
 * uses. Operators, values and everything else stay as synthesized, so the evaluator still
 * decides `StringLike` (or whatever operator the policy uses) on the real ARNs.
 *
 * test/grant-scope.test.ts proves on a hand-written policy that the stand-in behaves as the
 * condition would: a matching value allows, another value and an absent key do not.
 */
import { allowedContextKeysForRequest, typeForContextKey, type EvaluationResult } from '@cloud-copilot/iam-simulate';
import { assertKnownConditionKeys, evaluate, EvalPolicies, EvalRequest, EvaluationInputError, PolicyDocument, PolicyStatementJson } from './evaluate';

/** The condition key S3 fills with the bucket ARN (Bucket Keys on) or the object ARN. */
export const S3_ARN_CONTEXT_KEY = 'kms:EncryptionContext:aws:s3:arn';

/**
 * The stand-in: `kms:EncryptionAlgorithm` is a single-valued String key of exactly the KMS
 * operations that take an encryption context (Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*),
 * and not of DescribeKey, so a statement that wrongly put the context condition on DescribeKey
 * is still reported as naming an unknown key.
 */
export const STAND_IN_KEY = 'kms:EncryptionAlgorithm';

/** A KMS request made by S3 on the caller's behalf for an object of a bucket. */
export function withS3ArnContext(request: EvalRequest, s3Arn: string | undefined): EvalRequest {
  if (s3Arn === undefined) return request;
  return { ...request, context: { ...request.context, [S3_ARN_CONTEXT_KEY]: s3Arn } };
}

/**
 * Rewrites `kms:EncryptionContext:aws:s3:arn` to the stand-in in the request and in every
 * policy. Throws if a policy already uses the stand-in, or if the evaluator does not model the
 * stand-in for the request's action with the type the real key has.
 */
export async function substituteS3ArnContext(request: EvalRequest, policies: EvalPolicies):
Promise<{ request: EvalRequest; policies: EvalPolicies }> {
  const documents = [...policies.identity.map((p) => p.policy), ...(policies.resource ? [policies.resource] : [])];
  if (documents.some((doc) => conditionKeysOf(doc).some((k) => k.toLowerCase() === STAND_IN_KEY.toLowerCase()))) {
    throw new EvaluationInputError(`a policy under test already uses ${STAND_IN_KEY}: it cannot stand in for ${S3_ARN_CONTEXT_KEY}`);
  }
  await assertStandInFits(request.action, request.resource);

  const context: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(request.context)) {
    context[isS3ArnKey(key) ? STAND_IN_KEY : key] = value;
  }
  return {
    request: { ...request, context },
    policies: {
      identity: policies.identity.map((p) => ({ name: p.name, policy: rewrite(p.policy) })),
      resource: policies.resource ? rewrite(policies.resource) : undefined,
    },
  };
}

/**
 * evaluate() for a KMS request that may carry the S3 encryption context: the condition-key checks
 * of evaluate() run on the policies as synthesized, then the evaluation runs on the rewritten ones.
 */
export async function evaluateKms(request: EvalRequest, policies: EvalPolicies): Promise<EvaluationResult> {
  await assertKnownConditionKeys(request, policies);
  const rewritten = await substituteS3ArnContext(request, policies);
  return evaluate(rewritten.request, rewritten.policies);
}

const fitChecked = new Map<string, Promise<void>>();

function assertStandInFits(action: string, resource: string): Promise<void> {
  const cacheKey = `${action} ${resource}`;
  let checked = fitChecked.get(cacheKey);
  if (!checked) {
    checked = (async () => {
      const [service, name] = action.split(':');
      const allowed = await allowedContextKeysForRequest(service, name, resource, false, undefined);
      if (!allowed.includes(STAND_IN_KEY.toLowerCase()) || !allowed.includes('kms:encryptioncontext:${encryptioncontextkey}')) {
        throw new EvaluationInputError(`the stand-in ${STAND_IN_KEY} and ${S3_ARN_CONTEXT_KEY} are not both keys of ${action}`);
      }
      const real = await typeForContextKey(S3_ARN_CONTEXT_KEY);
      const standIn = await typeForContextKey(STAND_IN_KEY);
      if (real !== 'String' || standIn !== 'String') {
        throw new EvaluationInputError(`the stand-in ${STAND_IN_KEY} (${standIn}) and ${S3_ARN_CONTEXT_KEY} (${real}) must both be String keys`);
      }
    })();
    fitChecked.set(cacheKey, checked);
  }
  return checked;
}

function isS3ArnKey(key: string): boolean {
  return key.toLowerCase() === S3_ARN_CONTEXT_KEY.toLowerCase();
}

function conditionKeysOf(doc: PolicyDocument): string[] {
  return [doc.Statement].flat().flatMap((s) => Object.values(s.Condition ?? {}).flatMap((keys) => Object.keys(keys)));
}

function rewrite(doc: PolicyDocument): PolicyDocument {
  const statements = [doc.Statement].flat().map((statement): PolicyStatementJson => {
    if (!statement.Condition) return statement;
    const condition: Record<string, Record<string, unknown>> = {};
    for (const [operator, keys] of Object.entries(statement.Condition)) {
      condition[operator] = Object.fromEntries(Object.entries(keys).map(([k, v]) => [isS3ArnKey(k) ? STAND_IN_KEY : k, v]));
    }
    return { ...statement, Condition: condition };
  });
  return { ...doc, Statement: statements };
}

// @cloud-copilot/iam-simulate is AGPL-licensed: it is a devDependency used by tests only.
// Never import it (or this file) from lib/.
import * as path from 'path';
import { allowedContextKeysForRequest, runSimulation, type EvaluationResult, type Simulation } from '@cloud-copilot/iam-simulate';

/** One request to authorize, with the request context that S3 or KMS would build for it. */
export interface EvalRequest {
  /** ARN of the calling principal (a role). */
  readonly principal: string;
  /** `service:Action`, e.g. `s3:PutObject`. */
  readonly action: string;
  /** ARN of the resource acted on. */
  readonly resource: string;
  /** Account that owns the resource. */
  readonly resourceAccount: string;
  /** Condition keys and values that the request carries; keys it does not carry are left out. */
  readonly context: Record<string, string | string[]>;
  /**
   * Whether the bucket has ABAC on. Only then does S3 put `s3:BucketTag/...` (and
   * `aws:ResourceTag/...`) into the context: the evaluator drops those keys otherwise, and
   * `evaluate` throws when it drops a key. Default false.
   */
  readonly bucketAbacEnabled?: boolean;
}

export interface EvalPolicies {
  /** Identity policies attached to the principal. */
  readonly identity: ReadonlyArray<{ readonly name: string; readonly policy: PolicyDocument }>;
  /** The resource policy (bucket policy or key policy), if any. */
  readonly resource?: PolicyDocument;
  /**
   * Resource control policies attached to the resource's account (one level of the
   * organization; the evaluator adds AWS's default `RCPFullAWSAccess` beside them). None if unset.
   */
  readonly resourceControlPolicies?: ReadonlyArray<{ readonly name: string; readonly policy: PolicyDocument }>;
  /**
   * Service control policies attached to the principal's account (one level of the organization).
   * AWS's default `FullAWSAccess` is added beside them, as AWS Organizations attaches it to every
   * target: without it an SCP level allows nothing. None if unset.
   */
  readonly serviceControlPolicies?: ReadonlyArray<{ readonly name: string; readonly policy: PolicyDocument }>;
}

/** AWS's default service control policy, attached to every root, OU and account. */
export const FULL_AWS_ACCESS_SCP: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatementJson | PolicyStatementJson[];
}

export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/**
 * The resource types of an action for a resource ARN, which the evaluator looks up from its IAM
 * data at least twice per simulation (a fifth of its time in the matrices), depend on nothing but
 * (service, action, resource): each is looked up once per test file. The evaluator calls the
 * function through its module's exports, where the memoized version is put; if a later version of
 * the evaluator moves it, the lookups are simply not shared.
 */
function shareResourceTypeLookups(): void {
  let exported: { getResourceTypesForAction?: (service: string, action: string, resource: string) => Promise<unknown> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(path.join(path.dirname(require.resolve('@cloud-copilot/iam-simulate')), 'simulation_engine', 'resourceTypes.js'));
  } catch {
    return;
  }
  const lookup = exported.getResourceTypesForAction;
  if (typeof lookup !== 'function') return;
  const cache = new Map<string, Promise<unknown>>();
  exported.getResourceTypesForAction = (service, action, resource) => {
    const key = `${service}\n${action}\n${resource}`;
    let types = cache.get(key);
    if (!types) {
      types = lookup(service, action, resource);
      cache.set(key, types);
    }
    return types;
  };
}
shareResourceTypeLookups();

/** The organizational unit that the resource's account is in, for the RCPs of a simulation. */
export const RCP_TARGET_OU = 'ou-test-11111111';

export class EvaluationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationInputError';
  }
}

/**
 * Authorizes one request with the independent evaluator and returns its verdict:
 * 'Allowed', 'ExplicitlyDenied' or 'ImplicitlyDenied'. Each distinct input (request and policies,
 * compared by content) is evaluated once per test file and its verdict shared (see `verdicts`), so
 * a test may call this for every case of a matrix without paying for repeats.
 *
 * Throws, rather than return a verdict that could be silently wrong, when
 * - the evaluator rejects a policy or the request,
 * - the evaluator dropped a request context key (a misspelled or inapplicable key would
 *   otherwise just be absent, and every `Null`/negated condition would read it as absent),
 * - a policy statement that applies to the action names a condition key that does not exist
 *   for that action (a misspelled key in a policy never matches, so a Deny would never fire).
 */
export function evaluate(request: EvalRequest, policies: EvalPolicies): Promise<EvaluationResult> {
  const key = inputKey(request, policies);
  let verdict = verdicts.get(key);
  if (!verdict) {
    verdict = evaluateOnce(request, policies);
    verdicts.set(key, verdict);
  }
  return verdict;
}

/**
 * The verdict (or the rejection) of every distinct input evaluated in this test file, by its
 * content. The evaluator is a pure function of its input, and many cases of the matrices build
 * the same request against the same policies (a request without a key id reads the same under
 * every reading; several configurations synthesize the same policy), so each distinct input is
 * evaluated once. The key is the whole input, policies included, so a test that edits a policy
 * (a misspelled key, a dropped statement) always gets an evaluation of its own.
 */
const verdicts = new Map<string, Promise<EvaluationResult>>();

/**
 * The content of an input as one string: the request with its context keys sorted (request
 * builders add them in varying order), then the policies as given (JSON.stringify, which is
 * native and fast, matters here: the matrices call this thousands of times).
 */
export function inputKey(request: EvalRequest, policies: EvalPolicies): string {
  // Every field of both, whatever fields they gain: a field left out would let two different
  // inputs share one verdict. (Objects whose keys come in another order only miss the cache.)
  const context = Object.keys(request.context).sort().map((k) => [k, request.context[k]]);
  return JSON.stringify([{ ...request, context }, policies]);
}

async function evaluateOnce(request: EvalRequest, policies: EvalPolicies): Promise<EvaluationResult> {
  await assertKnownConditionKeys(request, policies);
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: { ...request.context },
    },
    identityPolicies: policies.identity.map((p) => ({ name: p.name, policy: p.policy })),
    serviceControlPolicies: policies.serviceControlPolicies === undefined ? [] : [{
      orgIdentifier: RCP_TARGET_OU,
      policies: [{ name: 'FullAWSAccess', policy: FULL_AWS_ACCESS_SCP },
        ...policies.serviceControlPolicies.map((p) => ({ name: p.name, policy: p.policy }))],
    }],
    resourceControlPolicies: policies.resourceControlPolicies === undefined ? [] : [{
      orgIdentifier: RCP_TARGET_OU,
      policies: policies.resourceControlPolicies.map((p) => ({ name: p.name, policy: p.policy })),
    }],
    resourcePolicy: policies.resource,
    additionalSettings: { s3: { bucketAbacEnabled: request.bucketAbacEnabled ?? false } },
  };
  const response = await runSimulation(simulation, { simulationMode: 'Strict' });
  if (response.resultType === 'error') {
    throw new EvaluationInputError(`the evaluator rejected the input: ${JSON.stringify(response.errors)}`);
  }
  if (response.resultType !== 'single') {
    throw new EvaluationInputError(`expected a single-resource evaluation (got ${response.resultType}) for ${request.resource}`);
  }
  const ignored = response.result.ignoredContextKeys;
  if (ignored === undefined || ignored.length > 0) {
    throw new EvaluationInputError(`the evaluator ignored request context keys for ${request.action}: ` +
      `${JSON.stringify(ignored)} (misspelled, or not a key of this action)`);
  }
  return response.overallResult;
}

/**
 * Every condition key of every statement that applies to `request.action` must be a key that
 * the action supports (service-specific or global). Returns nothing; throws on the first problem.
 */
export async function assertKnownConditionKeys(request: EvalRequest, policies: EvalPolicies): Promise<void> {
  const unknown = await unknownConditionKeys(request, policies);
  if (unknown.length > 0) {
    throw new EvaluationInputError(`policy condition keys that do not exist for ${request.action}: ${unknown.join(', ')}`);
  }
}

/** The condition keys of the statements that apply to the action and that the action does not know. */
export async function unknownConditionKeys(request: Pick<EvalRequest, 'action' | 'resource'>, policies: EvalPolicies): Promise<string[]> {
  const known = await knownKeys(request.action, request.resource);
  const documents = [
    ...policies.identity.map((p) => p.policy),
    ...(policies.resource ? [policies.resource] : []),
    ...(policies.resourceControlPolicies ?? []).map((p) => p.policy),
    ...(policies.serviceControlPolicies ?? []).map((p) => p.policy),
  ];
  const unknown = new Set<string>();
  for (const doc of documents) {
    for (const statement of [doc.Statement].flat()) {
      if (!statementCoversAction(statement, request.action)) continue;
      for (const operatorKeys of Object.values(statement.Condition ?? {})) {
        for (const key of Object.keys(operatorKeys)) {
          if (!known.matches(key)) unknown.add(key);
        }
      }
    }
  }
  return [...unknown].sort();
}

interface KnownKeys {
  matches(key: string): boolean;
}

const knownKeysCache = new Map<string, Promise<KnownKeys>>();

function knownKeys(action: string, resource: string): Promise<KnownKeys> {
  const cacheKey = `${action} ${resource}`;
  let cached = knownKeysCache.get(cacheKey);
  if (!cached) {
    cached = loadKnownKeys(action, resource);
    knownKeysCache.set(cacheKey, cached);
  }
  return cached;
}

async function loadKnownKeys(action: string, resource: string): Promise<KnownKeys> {
  const [service, name] = action.split(':');
  // With ABAC on, so that the bucket-tag keys (s3:BucketTag/<key>) count as keys of the action:
  // they are, for a bucket with ABAC on. Whether a request carries them is the request's business.
  const keys = await allowedContextKeysForRequest(service, name, resource, true, undefined);
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const key of keys) {
    // Keys with a variable part, such as kms:EncryptionContext:${EncryptionContextKey} or s3:RequestObjectTag/<key>.
    const variable = /\$\{[^}]+\}|<[^>]+>/;
    if (variable.test(key)) {
      const [before, after] = key.split(variable);
      patterns.push(new RegExp(`^${escapeRegExp(before)}.+${escapeRegExp(after)}$`));
    } else {
      exact.add(key);
    }
  }
  return {
    matches: (key: string) => {
      const lower = key.toLowerCase();
      return exact.has(lower) || patterns.some((p) => p.test(lower));
    },
  };
}

/** Whether the statement's Action (or NotAction) covers this action. */
export function statementCoversAction(statement: PolicyStatementJson, action: string): boolean {
  if (statement.Action !== undefined) {
    return [statement.Action].flat().some((pattern) => wildcardMatch(pattern, action));
  }
  if (statement.NotAction !== undefined) {
    return ![statement.NotAction].flat().some((pattern) => wildcardMatch(pattern, action));
  }
  throw new EvaluationInputError(`a statement has neither Action nor NotAction: ${JSON.stringify(statement)}`);
}

function wildcardMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((part) => part.split('?').map(escapeRegExp).join('.')).join('.*')}$`, 'i');
  return re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

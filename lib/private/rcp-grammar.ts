/**
 * The grammar of resource control policies (RCPs) that AWS Organizations accepts, as far as this
 * library writes them, and their size limit. Pure functions of the policy JSON.
 *
 * An RCP is narrower than an IAM policy: every statement applies to every caller, so `Principal`
 * must be exactly `"*"`; `NotPrincipal` and `NotAction` do not exist in it; `Action` names
 * service actions and is never `"*"`. This library writes Deny statements only (the one Allow that
 * AWS attaches by default, `RCPFullAWSAccess`, is AWS's own).
 */

/** The most characters an RCP may have, whitespace removed. */
export const RCP_MAX_CHARACTERS = 5120;

/** The policy grammar version every RCP states. */
export const POLICY_VERSION = '2012-10-17';

/** The size that AWS Organizations counts: the JSON without whitespace outside strings. */
export function minifiedLength(document: unknown): number {
  return JSON.stringify(document).length;
}

/**
 * Every way `document` breaks the RCP grammar, one message each; an empty list when it is a
 * valid Deny-only RCP.
 */
export function rcpGrammarViolations(document: unknown): string[] {
  return controlPolicyGrammarViolations(document, 'RCP');
}

/**
 * The same for a service control policy (SCP) as this library writes them: the RCP's rules, but
 * without any `Principal` (an SCP applies to the principals of the accounts it is attached to, and
 * its grammar has no `Principal` element). SCPs allow more (Allow, NotAction), which this library
 * does not write; their size limit is the same 5,120 characters.
 */
export function scpGrammarViolations(document: unknown): string[] {
  return controlPolicyGrammarViolations(document, 'SCP');
}

function controlPolicyGrammarViolations(document: unknown, type: 'RCP' | 'SCP'): string[] {
  const out: string[] = [];
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return ['the policy must be a JSON object'];
  }
  const doc = document as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (key !== 'Version' && key !== 'Statement') out.push(`unknown top-level element ${key}`);
  }
  if (doc.Version !== POLICY_VERSION) out.push(`Version must be "${POLICY_VERSION}" (got ${JSON.stringify(doc.Version)})`);
  const statements = doc.Statement === undefined ? [] : [doc.Statement].flat();
  if (statements.length === 0) out.push('the policy has no statement');
  const sids = new Set<string>();
  statements.forEach((statement, i) => {
    const where = `Statement[${i}]`;
    if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) {
      out.push(`${where} must be an object`);
      return;
    }
    const s = statement as Record<string, unknown>;
    const name = typeof s.Sid === 'string' ? `${where} (${s.Sid})` : where;
    if (s.Sid !== undefined) {
      if (typeof s.Sid !== 'string' || !/^[A-Za-z0-9]+$/.test(s.Sid)) out.push(`${name}: Sid must be letters and digits`);
      else if (sids.has(s.Sid)) out.push(`${name}: Sid is used twice`);
      else sids.add(s.Sid);
    }
    if (s.Effect !== 'Deny') out.push(`${name}: Effect must be "Deny" (got ${JSON.stringify(s.Effect)})`);
    if ('NotPrincipal' in s) out.push(`${name}: NotPrincipal is not supported in an ${type}`);
    if (type === 'RCP' && s.Principal !== '*') out.push(`${name}: Principal must be "*" (got ${JSON.stringify(s.Principal)})`);
    if (type === 'SCP' && 'Principal' in s) out.push(`${name}: Principal is not supported in an SCP`);
    // SCPs accept NotAction, but this library never writes it (a Deny on "all but" is too broad to review).
    if ('NotAction' in s) out.push(`${name}: NotAction is not supported in ${type === 'RCP' ? 'an RCP' : 'the SCPs of this library'}`);
    const actions = s.Action === undefined ? [] : [s.Action].flat();
    if (actions.length === 0) out.push(`${name}: Action is required`);
    for (const action of actions) {
      if (action === '*') {
        out.push(`${name}: Action must not be "*"`);
      } else if (typeof action !== 'string' || !/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) {
        out.push(`${name}: Action ${JSON.stringify(action)} is not of the form service:Action`);
      }
    }
    if (s.Resource === undefined && s.NotResource === undefined) out.push(`${name}: Resource or NotResource is required`);
    for (const key of Object.keys(s)) {
      if (!['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'].includes(key)) {
        out.push(`${name}: unknown element ${key}`);
      }
    }
  });
  return out;
}

import { CfnElement, CfnResource, Duration, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { EncryptionValidationError } from '../errors';

/*
 * Validation helpers shared by the constructs. `owner` is always the name of what is being
 * validated, as every message starts with it: "EncryptedBucket 'App/Data'", "ServerSideEncryption.kms".
 */

/** A short, safe description of any value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if ((typeof value === 'string' || typeof value === 'number') && Token.isUnresolved(value)) return 'a token, resolved only at deploy time';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (isDuration(value)) return value.isUnresolved() ? 'an unresolved Duration' : value.toHumanString();
  const ctor = (value as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/**
 * A value of a template (a CloudFormation property, or a token resolved in `scope`'s stack) for
 * an error message, never in CloudFormation's syntax: a literal as JSON; a `Ref` or `Fn::GetAtt`
 * as what it refers to, by construct path ("the key id of 'App/Stack/Key'"); a pseudo parameter
 * by name; anything else as a value computed at deploy time.
 */
export function describeTemplateValue(scope: IConstruct, value: unknown): string {
  const stack = Stack.of(scope);
  const resolved = Token.isUnresolved(value) ? stack.resolve(value) : value;
  if (typeof resolved === 'string' || typeof resolved === 'number' || typeof resolved === 'boolean') {
    return JSON.stringify(resolved);
  }
  if (isPlainRecord(resolved) && Object.keys(resolved).length === 1) {
    const ref = resolved.Ref;
    if (typeof ref === 'string') {
      if (ref.startsWith('AWS::')) return `the stack's ${ref.slice('AWS::'.length)}`;
      const target = elementByLogicalId(stack, ref);
      if (target) return `the ${refMeaning(target)} of '${elementPath(target)}'`;
    }
    const getAtt = resolved['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') {
      const target = elementByLogicalId(stack, getAtt[0]);
      if (target) return `the ${getAtt[1] === 'Arn' ? 'ARN' : getAtt[1]} of '${elementPath(target)}'`;
    }
  }
  return 'a value that CloudFormation computes at deploy time';
}

function elementByLogicalId(stack: Stack, logicalId: string): CfnElement | undefined {
  return stack.node.findAll().find((c): c is CfnElement => CfnElement.isCfnElement(c) && stack.resolve(c.logicalId) === logicalId);
}

/** What a `Ref` to the element gives, in words. */
function refMeaning(element: CfnElement): string {
  if (!CfnResource.isCfnResource(element)) return 'value';
  switch (element.cfnResourceType) {
    case 'AWS::KMS::Key': return 'key id';
    case 'AWS::S3::Bucket': return 'bucket name';
    default: return 'Ref';
  }
}

/** The path of the construct an L1 element stands for: its L2 parent when it is that parent's default child. */
function elementPath(element: CfnElement): string {
  const parent = element.node.scope;
  return parent && parent.node.defaultChild === element ? parent.node.path : element.node.path;
}

export function isPlainObjectOrUndefined(value: unknown): boolean {
  return value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value));
}

/** A JSON object as it comes out of a template or a resolved value: not an array, not a token. */
export function isPlainRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Tokenization.isResolvable(value);
}

/** Throws unless the value is true, false or undefined. */
export function checkOptionalBoolean(owner: string, prop: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new EncryptionValidationError(`${owner}: ${prop} must be true or false (got ${describeValue(value)}).`);
  }
}

/** Throws unless the value is a KMS key construct (anything with a `keyArn`) or undefined. */
export function checkKeyConstruct(owner: string, key: unknown): kms.IKey | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'object' || key === null || typeof (key as kms.IKey).keyArn !== 'string') {
    throw new EncryptionValidationError(`${owner}: key must be a KMS key construct such as an EncryptionKey, kms.Key ` +
      `or kms.Key.fromKeyArn(...) (got ${describeValue(key)}).`);
  }
  return key as kms.IKey;
}

/**
 * Refuses a key defined in the app that S3 cannot use: S3 encrypts only with symmetric encryption
 * keys (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT). Imported keys and unresolved values
 * are not judged here.
 */
export function checkSymmetricKey(owner: string, key: kms.IKey): void {
  const cfnKey = key.node.defaultChild;
  if (!(cfnKey instanceof kms.CfnKey)) return;
  const spec = cfnKey.keySpec;
  const usage = cfnKey.keyUsage;
  if ((spec !== undefined && !Token.isUnresolved(spec) && spec !== 'SYMMETRIC_DEFAULT') ||
      (usage !== undefined && !Token.isUnresolved(usage) && usage !== 'ENCRYPT_DECRYPT')) {
    throw new EncryptionValidationError(`${owner}: the key of serverSideEncryption must be a symmetric encryption key ` +
      `(got KeySpec ${spec ?? 'SYMMETRIC_DEFAULT'}, KeyUsage ${usage ?? 'ENCRYPT_DECRYPT'}). S3 uses only SYMMETRIC_DEFAULT ` +
      'keys for ENCRYPT_DECRYPT: use an EncryptionKey, or a kms.Key without keySpec and keyUsage.');
  }
}

/** The parts of the full ARN of a KMS key; undefined for anything else (an alias, a bare key id). */
export function parseKeyArn(value: string): { partition: string; region: string; account: string } | undefined {
  const match = /^arn:([^:]+):kms:([^:]*):([^:]*):key\/[^/]+$/.exec(value);
  return match ? { partition: match[1], region: match[2], account: match[3] } : undefined;
}

/** Whether the string is the full ARN of a KMS key (not of an alias, not a bare key id). */
export function isKeyArn(value: string): boolean {
  return parseKeyArn(value) !== undefined;
}

/**
 * Checks that a Duration is a whole number of days within [min, max].
 * Unresolved tokens are skipped. Returns the number of days, or undefined for a token.
 */
export function checkDays(owner: string, prop: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!isDuration(value)) {
    throw new EncryptionValidationError(`${owner}: ${prop} must be a Duration such as Duration.days(${min}) ` +
      `(got ${describeValue(value)}).`);
  }
  if (value.isUnresolved()) return undefined;
  let days: number;
  try {
    days = value.toDays({ integral: false });
  } catch {
    throw new EncryptionValidationError(`${owner}: ${prop} must be a whole number of days between ${min} and ${max} ` +
      `(got ${value.toHumanString()}).`);
  }
  if (!Number.isInteger(days) || days < min || days > max) {
    throw new EncryptionValidationError(`${owner}: ${prop} must be a whole number of days between ${min} and ${max} ` +
      `(got ${value.toHumanString()}). Use Duration.days(n) with ${min} <= n <= ${max}.`);
  }
  return days;
}

function isDuration(value: unknown): value is Duration {
  return value instanceof Duration ||
    (typeof value === 'object' && value !== null &&
      typeof (value as Duration).toDays === 'function' && typeof (value as Duration).isUnresolved === 'function');
}

/** The path a construct will have, for error messages (safe for any scope a JavaScript caller passes). */
export function constructPath(scope: Construct, id: string): string {
  const parent = (scope as Partial<Construct> | undefined)?.node?.path;
  return parent ? `${parent}/${String(id)}` : String(id);
}

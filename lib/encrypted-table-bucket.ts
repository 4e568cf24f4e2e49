import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3tables from 'aws-cdk-lib/aws-s3tables';
import { Construct } from 'constructs';
import { EncryptionValidationError } from './errors';
import { bucketTypePolicyStatements } from './policy-statements';
import {
  allowServiceOnTableKey, bucketTypeKey, defaultRemovalPolicy, grantOnBucketType, METADATA_PRINCIPAL, METADATA_TABLES_SID,
  resolveBucketTypeEncryption, TABLES_MAINTENANCE_PRINCIPAL, TABLES_MAINTENANCE_SID,
} from './private/bucket-type';
import { checkOptionalBoolean, describeValue } from './private/validate';
import { ServerSideEncryption } from './server-side-encryption';

/**
 * Properties of an `EncryptedTableBucket`.
 */
export interface EncryptedTableBucketProps {
  /**
   * The table bucket's name: 3 to 63 lowercase letters, digits and hyphens, starting and ending
   * with a letter or digit. An error is raised otherwise.
   *
   * The name is required: the key policy statement for S3 Tables maintenance names the table
   * bucket by its ARN, which is written from the name (a reference to the bucket would make a
   * cycle, as the bucket references the key).
   */
  readonly tableBucketName: string;

  /**
   * How tables are encrypted at rest. A table bucket supports `ServerSideEncryption.s3Managed()`
   * and `ServerSideEncryption.kms()` with a customer managed key (never `aws/s3`); an error is
   * raised for any other mode and for the `bucketKey` option.
   *
   * @default ServerSideEncryption.kms() - SSE-KMS with a new rotating `EncryptionKey`
   */
  readonly serverSideEncryption?: ServerSideEncryption;

  /**
   * Whether S3 Metadata writes metadata tables into this table bucket: the key policy then also
   * lets `metadata.s3.amazonaws.com` use the key for this bucket's tables, from this account
   * (`aws:SourceAccount`). Has no effect with `ServerSideEncryption.s3Managed()`.
   *
   * @default false
   */
  readonly metadataTables?: boolean;

  /**
   * What happens to the table bucket (and a key made for it) when it is removed from the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A table bucket (S3 Tables) with explicit encryption, and a table bucket policy that denies
 * plain HTTP, tables created or re-encrypted with another algorithm or key, and (with a KMS key)
 * removing the bucket's encryption configuration. A `CreateTable` that names no encryption
 * inherits the bucket's and passes.
 *
 * With SSE-KMS the key policy lets the S3 Tables maintenance principal
 * (`maintenance.s3tables.amazonaws.com`) generate data keys and decrypt for this bucket's tables
 * only, as S3 Tables requires; with a shared key, that key's policy gets the statement. Grants
 * (`grantRead`, `grantReadWrite`) carry KMS permissions usable only through S3 Tables or S3
 * (`kms:ViaService`).
 */
export class EncryptedTableBucket extends Construct {
  /** The encryption mode and options this table bucket was built with. */
  public readonly serverSideEncryption: ServerSideEncryption;

  /** The customer managed key; undefined with `ServerSideEncryption.s3Managed()`. */
  public readonly encryptionKey?: kms.IKey;

  /** The `SSEAlgorithm` of the table bucket's encryption configuration. */
  public readonly sseAlgorithm: string;

  /** The table bucket's name. */
  public readonly tableBucketName: string;

  /** The table bucket's ARN (`arn:<partition>:s3tables:<region>:<account>:bucket/<name>`). */
  public readonly tableBucketArn: string;

  /** The L1 table bucket. */
  public readonly resource: s3tables.CfnTableBucket;

  /** The L1 table bucket policy. */
  public readonly policy: s3tables.CfnTableBucketPolicy;

  constructor(scope: Construct, id: string, props: EncryptedTableBucketProps) {
    const resolved = resolveBucketTypeEncryption(scope, id, 'table', props, props?.serverSideEncryption);
    checkTableBucketName(resolved.owner, props.tableBucketName);
    checkOptionalBoolean(resolved.owner, 'metadataTables', props.metadataTables);
    const removalPolicy = defaultRemovalPolicy(props.removalPolicy, resolved.owner);
    super(scope, id);
    this.serverSideEncryption = resolved.sse;
    this.sseAlgorithm = resolved.algorithm;
    this.tableBucketName = props.tableBucketName;
    // Written from the name, so that the key policy can name the bucket without a cycle.
    this.tableBucketArn = Stack.of(this).formatArn({ service: 's3tables', resource: 'bucket', resourceName: props.tableBucketName });

    const key = bucketTypeKey(this, resolved, 'table');
    if (key && !resolved.key) key.applyRemovalPolicy(removalPolicy);
    this.encryptionKey = key;

    this.resource = new s3tables.CfnTableBucket(this, 'Resource', {
      tableBucketName: props.tableBucketName,
      encryptionConfiguration: { sseAlgorithm: this.sseAlgorithm, kmsKeyArn: key?.keyArn },
    });
    this.resource.applyRemovalPolicy(removalPolicy);

    if (key) {
      // S3 Tables refuses to create an encrypted table unless its maintenance principal can use the key.
      allowServiceOnTableKey(this, key, TABLES_MAINTENANCE_SID, TABLES_MAINTENANCE_PRINCIPAL, this.tableBucketArn, undefined);
      if (props.metadataTables) {
        allowServiceOnTableKey(this, key, METADATA_TABLES_SID, METADATA_PRINCIPAL, this.tableBucketArn, Stack.of(this).account);
      }
    }

    this.policy = new s3tables.CfnTableBucketPolicy(this, 'Policy', {
      tableBucketArn: this.resource.attrTableBucketArn,
      resourcePolicy: new iam.PolicyDocument({
        statements: bucketTypePolicyStatements({
          type: 'table',
          bucketArn: this.tableBucketArn,
          mode: resolved.sse.mode,
          keyIds: key ? [key.keyArn] : undefined,
        }),
      }),
    });
  }

  /**
   * Lets the grantee read the table bucket's namespaces, tables and table data, and decrypt
   * with the bucket's key through S3 Tables or S3.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, READ_ACTIONS, ['kms:Decrypt']);
  }

  /**
   * Lets the grantee read and write: create namespaces and tables, write table data and
   * commit table metadata, and encrypt and decrypt with the bucket's key through S3 Tables or S3.
   */
  public grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, [...READ_ACTIONS, ...WRITE_ACTIONS], ['kms:Decrypt', 'kms:GenerateDataKey']);
  }

  private grant(grantee: iam.IGrantable, actions: string[], kmsActions: string[]): iam.Grant {
    return grantOnBucketType(this, 'table', this.encryptionKey,
      { grantee, actions, resourceArns: [this.tableBucketArn, `${this.tableBucketArn}/table/*`] }, kmsActions);
  }
}

const READ_ACTIONS = [
  's3tables:GetTableBucket', 's3tables:ListNamespaces', 's3tables:GetNamespace', 's3tables:ListTables',
  's3tables:GetTable', 's3tables:GetTableMetadataLocation', 's3tables:GetTableData', 's3tables:GetTableEncryption',
];
const WRITE_ACTIONS = [
  's3tables:CreateNamespace', 's3tables:CreateTable', 's3tables:PutTableData', 's3tables:UpdateTableMetadataLocation',
];

function checkTableBucketName(owner: string, name: unknown): void {
  if (typeof name !== 'string') {
    throw new EncryptionValidationError(`${owner}: tableBucketName is required and must be a string (got ${describeValue(name)}).`);
  }
  if (!Token.isUnresolved(name) && !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name)) {
    throw new EncryptionValidationError(`${owner}: tableBucketName must be 3 to 63 lowercase letters, digits and hyphens, ` +
      `starting and ending with a letter or digit (got ${JSON.stringify(name)}).`);
  }
}

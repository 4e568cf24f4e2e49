// The test-client Lambda of the integration tests only ever runs in an AWS account. These tests
// run its inline code against a fake S3 and KMS, to prove offline that it sends the requests each
// case names and reports S3's answers in the shape that the assertions expect.
import * as crypto from 'crypto';
import * as vm from 'vm';
import { ALLOWED, deniedByBucketPolicy, DENIED_BY_KMS, storedAs, TEST_CLIENT_CODE } from './support';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const AWS_S3_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-0000-0000-0000-000000000000';
const ENV = {
  AWS_REGION: 'eu-west-1',
  URL_SUFFIX: 'amazonaws.com',
  BUCKET_Data: 'data-bucket',
  KEY_Data: KEY_ARN,
  ALIAS_Data: 'alias/data',
};

interface Sent {
  readonly client: Record<string, unknown>;
  readonly command: string;
  readonly input: Record<string, any>;
}

function accessDenied(action: string, resource: string): Error {
  return Object.assign(new Error(`User: arn:aws:sts::111122223333:assumed-role/TestClientRole/fn is not authorized to perform: ${action} ` +
    `on resource: "${resource}" with an explicit deny in a resource-based policy`), { name: 'AccessDenied' });
}

/**
 * Loads the client code with fake SDK modules: an S3 that stores objects in memory and refuses
 * what `refuse` returns an error for.
 */
function loadClient(refuse: (s: Sent) => Error | undefined = () => undefined, sdk: { updateObjectEncryption: boolean } = { updateObjectEncryption: true }) {
  const sent: Sent[] = [];
  const objects = new Map<string, { body: Buffer; head: Record<string, unknown>; customerKey?: string }>();
  const uploads = new Map<string, { key: string; parts: Buffer[]; head: Record<string, unknown> }>();

  function storedHead(input: Record<string, any>): Record<string, unknown> {
    if (input.SSECustomerKey) return { SSECustomerAlgorithm: input.SSECustomerAlgorithm };
    const algorithm = input.ServerSideEncryption ?? 'aws:kms';
    if (algorithm === 'AES256') return { ServerSideEncryption: 'AES256' };
    const keyArn = algorithm === 'aws:kms' && !input.SSEKMSKeyId ? AWS_S3_KEY_ARN : KEY_ARN;
    return { ServerSideEncryption: algorithm, SSEKMSKeyId: keyArn, BucketKeyEnabled: algorithm === 'aws:kms' };
  }

  const s3Commands: Record<string, (input: Record<string, any>) => unknown> = {
    PutObjectCommand: (input) => {
      objects.set(input.Key, { body: Buffer.from(input.Body), head: storedHead(input), customerKey: input.SSECustomerKey });
      return {};
    },
    CreateMultipartUploadCommand: (input) => {
      const id = `upload-${uploads.size + 1}`;
      uploads.set(id, { key: input.Key, parts: [], head: storedHead(input) });
      return { UploadId: id };
    },
    UploadPartCommand: (input) => {
      uploads.get(input.UploadId)!.parts[input.PartNumber - 1] = Buffer.from(input.Body);
      return { ETag: `"etag-${input.PartNumber}"` };
    },
    CompleteMultipartUploadCommand: (input) => {
      const upload = uploads.get(input.UploadId)!;
      objects.set(upload.key, { body: Buffer.concat(upload.parts), head: upload.head, customerKey: input.SSECustomerKey });
      return {};
    },
    AbortMultipartUploadCommand: (input) => {
      uploads.delete(input.UploadId);
      return {};
    },
    HeadObjectCommand: (input) => objects.get(input.Key)!.head,
    GetObjectCommand: (input) => {
      const object = objects.get(input.Key)!;
      if (object.customerKey !== input.SSECustomerKey) throw Object.assign(new Error('wrong key'), { name: 'AccessDenied' });
      return { Body: { transformToByteArray: async () => new Uint8Array(object.body) } };
    },
    ListObjectsV2Command: () => ({ KeyCount: 0 }),
  };
  if (sdk.updateObjectEncryption) {
    s3Commands.UpdateObjectEncryptionCommand = (input) => {
      const object = objects.get(input.Key)!;
      object.head = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: input.ObjectEncryption.SSEKMS.KMSKeyArn, BucketKeyEnabled: false };
      return {};
    };
  }

  function fakeModule(commands: Record<string, (input: Record<string, any>) => unknown>, clientName: string) {
    const module: Record<string, unknown> = {};
    for (const name of Object.keys(commands)) {
      module[name] = class {
        public readonly commandName = name;
        constructor(public readonly input: Record<string, any>) {}
      };
    }
    module[clientName] = class {
      constructor(public readonly config: Record<string, unknown> = {}) {}
      public async send(command: { commandName: string; input: Record<string, any> }) {
        const s: Sent = { client: this.config, command: command.commandName, input: command.input };
        sent.push(s);
        const error = refuse(s);
        if (error) throw error;
        return commands[command.commandName](command.input);
      }
    };
    return module;
  }

  const modules: Record<string, unknown> = {
    'crypto': crypto,
    '@aws-sdk/client-s3': fakeModule(s3Commands, 'S3Client'),
    '@aws-sdk/client-kms': fakeModule({ DescribeKeyCommand: () => ({ KeyMetadata: { Arn: AWS_S3_KEY_ARN } }) }, 'KMSClient'),
  };
  const exports: { handler?: (event: unknown) => Promise<Record<string, any>> } = {};
  vm.runInNewContext(TEST_CLIENT_CODE, {
    require: (name: string) => {
      if (!(name in modules)) throw new Error(`the client code requires ${name}, which the Lambda runtime may not have`);
      return modules[name];
    },
    exports,
    process: { env: ENV },
    Buffer,
  });
  return { handler: exports.handler!, sent };
}

const commandsOf = (sent: Sent[]) => sent.map((s) => s.command);

test('needs nothing but the AWS SDK v3 and Node.js built-ins', () => {
  expect(() => loadClient()).not.toThrow();
});

test('a header-less upload sends no encryption header and reports how S3 stored the object', async () => {
  const { handler, sent } = loadClient();
  const report = await handler({ case: 'put-default', action: 'put' });
  expect(commandsOf(sent)).toEqual(['PutObjectCommand', 'HeadObjectCommand']);
  expect(sent[0].input).toEqual({ Bucket: 'data-bucket', Key: 'put-default', Body: expect.any(Buffer) });
  expect(report).toEqual({
    case: 'put-default',
    outcome: 'allowed',
    algorithm: 'aws:kms',
    keyArn: AWS_S3_KEY_ARN,
    bucketKey: true,
    observed: `allowed aws:kms ${AWS_S3_KEY_ARN}`,
  });
  expect(report).toMatchObject(storedAs({ algorithm: 'aws:kms', keyArn: AWS_S3_KEY_ARN, bucketKey: true }));
});

test.each([
  ['arn', KEY_ARN],
  ['id', '1234abcd-12ab-34cd-56ef-1234567890ab'],
  ['alias', 'alias/data'],
] as const)('names the key by its %s in the header', async (keyForm, header) => {
  const { handler, sent } = loadClient();
  await handler({ case: 'c', action: 'put', sse: { algorithm: 'aws:kms', key: 'Data', keyForm } });
  expect(sent[0].input).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: header });
});

test('reports a refusal by the bucket policy with the step and the policy type that S3 names', async () => {
  const { handler } = loadClient((s) => s.command === 'PutObjectCommand' ? accessDenied('s3:PutObject', 'arn:aws:s3:::data-bucket/c') : undefined);
  const report = await handler({ case: 'c', action: 'put', sse: { algorithm: 'AES256' } });
  expect(report).toMatchObject(deniedByBucketPolicy('PutObject'));
  expect(report.observed).toBe('AccessDenied at PutObject (explicit deny in a resource-based policy)');
});

test('a refusal that S3 does not attribute to a policy has no deniedBy, so it cannot pass for the bucket policy', async () => {
  const { handler } = loadClient(() => Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
  const report = await handler({ case: 'c', action: 'put' });
  expect(report).toEqual({ case: 'c', outcome: 'AccessDenied', step: 'PutObject', message: 'Access Denied', observed: 'AccessDenied at PutObject' });
  expect(report).not.toMatchObject(deniedByBucketPolicy('PutObject'));
});

test('a multipart upload sends two 5 MiB parts; only CreateMultipartUpload carries the SSE headers', async () => {
  const { handler, sent } = loadClient();
  const report = await handler({ case: 'mp', action: 'multipart', sse: { algorithm: 'aws:kms', key: 'Data' } });
  expect(commandsOf(sent)).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand',
    'CompleteMultipartUploadCommand', 'HeadObjectCommand']);
  expect(sent[0].input).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN });
  for (const s of sent.slice(1, 4)) {
    expect(Object.keys(s.input).filter((k) => k.startsWith('SSE') || k.startsWith('ServerSide'))).toEqual([]);
  }
  expect(sent.slice(1, 3).map((s) => [s.input.PartNumber, s.input.Body.length])).toEqual([[1, 5 * 1024 * 1024], [2, 5 * 1024 * 1024]]);
  expect(sent[3].input.MultipartUpload).toEqual({ Parts: [{ ETag: '"etag-1"', PartNumber: 1 }, { ETag: '"etag-2"', PartNumber: 2 }] });
  expect(report).toMatchObject(storedAs({ algorithm: 'aws:kms', keyArn: KEY_ARN }));
});

test('a refused multipart upload is aborted, and the report names the refused step', async () => {
  const { handler, sent } = loadClient((s) => s.command === 'UploadPartCommand' ? accessDenied('s3:PutObject', 'arn:aws:s3:::data-bucket/mp') : undefined);
  const report = await handler({ case: 'mp', action: 'multipart', sse: { algorithm: 'aws:kms', key: 'Data' } });
  expect(commandsOf(sent)).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'AbortMultipartUploadCommand']);
  expect(sent[2].input).toEqual({ Bucket: 'data-bucket', Key: 'mp', UploadId: 'upload-1' });
  expect(report).toMatchObject({ outcome: 'AccessDenied', step: 'UploadPart 1', deniedBy: 'resource-based policy' });
});

test('SSE-C sends the same customer key, with its MD5, on every request, and reads the object back', async () => {
  const { handler, sent } = loadClient();
  const report = await handler({ case: 'mp', action: 'multipart', sse: { customerKey: true } });
  expect(commandsOf(sent)).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand',
    'CompleteMultipartUploadCommand', 'HeadObjectCommand', 'GetObjectCommand']);
  const headers = sent.map((s) => [s.input.SSECustomerAlgorithm, s.input.SSECustomerKey, s.input.SSECustomerKeyMD5]);
  const [algorithm, key, md5] = headers[0];
  expect(headers).toEqual(sent.map(() => [algorithm, key, md5]));
  expect(algorithm).toBe('AES256');
  expect(Buffer.from(key, 'base64')).toHaveLength(32);
  expect(md5).toBe(crypto.createHash('md5').update(Buffer.from(key, 'base64')).digest('base64'));
  expect(report).toMatchObject(storedAs({ customerAlgorithm: 'AES256', readBack: 'same' }));
  expect(report.observed).toBe('allowed SSE-C');
});

test('each SSE-C upload uses a new key', async () => {
  const { handler, sent } = loadClient();
  await handler({ case: 'a', action: 'put', sse: { customerKey: true } });
  await handler({ case: 'b', action: 'put', sse: { customerKey: true } });
  const keys = sent.filter((s) => s.command === 'PutObjectCommand').map((s) => s.input.SSECustomerKey);
  expect(new Set(keys).size).toBe(2);
});

test('lists over plain HTTP through the regional endpoint, and over HTTPS with the default endpoint', async () => {
  const { handler, sent } = loadClient();
  await handler({ case: 'http', action: 'list', overHttp: true });
  await handler({ case: 'https', action: 'list' });
  expect(sent.map((s) => [s.command, s.client.endpoint, s.client.forcePathStyle])).toEqual([
    ['ListObjectsV2Command', 'http://s3.eu-west-1.amazonaws.com', true],
    ['ListObjectsV2Command', undefined, undefined],
  ]);
  expect(sent[0].input).toEqual({ Bucket: 'data-bucket', MaxKeys: 1 });
  for (const s of sent) {
    expect(s.client).toMatchObject({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  }
});

test('compares the object key with the key behind an alias', async () => {
  const { handler, sent } = loadClient();
  const report = await handler({ case: 'c', action: 'put', compareKeyWithAlias: 'alias/aws/s3' });
  expect(sent.find((s) => s.command === 'DescribeKeyCommand')?.input).toEqual({ KeyId: 'alias/aws/s3' });
  expect(report.keyMatchesAlias).toBe(true);
});

test('get reads back an object that an earlier case wrote', async () => {
  const { handler, sent } = loadClient();
  await handler({ case: 'seed', action: 'put' });
  const report = await handler({ case: 'read', action: 'get', object: 'seed' });
  expect(sent.at(-1)).toMatchObject({ command: 'GetObjectCommand', input: { Bucket: 'data-bucket', Key: 'seed' } });
  expect(report).toEqual({ case: 'read', outcome: 'allowed', observed: 'allowed' });
  expect(report).toMatchObject(ALLOWED);
});

test('get reports a refusal by KMS (S3 names kms:Decrypt) as such, and a refusal by the bucket policy as not', async () => {
  const kmsDenied = Object.assign(new Error('User: arn:aws:sts::111122223333:assumed-role/Reader/fn is not authorized to perform: ' +
    `kms:Decrypt on resource: ${KEY_ARN} because no identity-based policy allows the kms:Decrypt action`), { name: 'AccessDenied' });
  const byKms = loadClient((s) => s.command === 'GetObjectCommand' ? kmsDenied : undefined);
  await byKms.handler({ case: 'seed', action: 'put' });
  const report = await byKms.handler({ case: 'read', action: 'get', object: 'seed' });
  expect(report).toMatchObject(DENIED_BY_KMS);
  expect(report.deniedBy).toBeUndefined();

  const byPolicy = loadClient((s) => s.command === 'GetObjectCommand' ? accessDenied('s3:GetObject', 'arn:aws:s3:::data-bucket/seed') : undefined);
  await byPolicy.handler({ case: 'seed', action: 'put' });
  const refused = await byPolicy.handler({ case: 'read', action: 'get', object: 'seed' });
  expect(refused).toMatchObject({ outcome: 'AccessDenied', step: 'GetObject', kmsDenied: false });
  expect(refused).not.toMatchObject(DENIED_BY_KMS);
});

test('fails loudly when the case names a bucket or key it was not given', async () => {
  const { handler } = loadClient();
  await expect(handler({ case: 'c', action: 'put', bucket: 'Nope' })).rejects.toThrow('environment variable BUCKET_Nope is not set');
  await expect(handler({ case: 'c', action: 'put', sse: { algorithm: 'aws:kms', key: 'Nope' } }))
    .rejects.toThrow('environment variable KEY_Nope is not set');
});

describe('update-encryption', () => {
  test('uploads without headers, then re-encrypts the object under the named key by its full ARN', async () => {
    const { handler, sent } = loadClient();
    const report = await handler({ case: 'update', action: 'update-encryption', sse: { key: 'Data' } });
    expect(commandsOf(sent)).toEqual(['PutObjectCommand', 'UpdateObjectEncryptionCommand', 'HeadObjectCommand']);
    expect(sent[0].input).toEqual({ Bucket: 'data-bucket', Key: 'update', Body: expect.any(Buffer) });
    expect(sent[1].input).toEqual({ Bucket: 'data-bucket', Key: 'update', ObjectEncryption: { SSEKMS: { KMSKeyArn: KEY_ARN } } });
    expect(report).toMatchObject(storedAs({ algorithm: 'aws:kms', keyArn: KEY_ARN }));
  });

  test('looks up the ARN of aws/s3 when told to re-encrypt under it', async () => {
    const { handler, sent } = loadClient();
    const report = await handler({ case: 'update', action: 'update-encryption', sse: { key: 'aws/s3' } });
    expect(sent.find((x) => x.command === 'DescribeKeyCommand')?.input).toEqual({ KeyId: 'alias/aws/s3' });
    expect(sent.find((x) => x.command === 'UpdateObjectEncryptionCommand')?.input.ObjectEncryption).toEqual({ SSEKMS: { KMSKeyArn: AWS_S3_KEY_ARN } });
    expect(report).toMatchObject(storedAs({ algorithm: 'aws:kms', keyArn: AWS_S3_KEY_ARN }));
  });

  test('reports a refusal at the UpdateObjectEncryption step', async () => {
    const { handler } = loadClient((x) => x.command === 'UpdateObjectEncryptionCommand'
      ? accessDenied('s3:UpdateObjectEncryption', 'arn:aws:s3:::data-bucket/update') : undefined);
    const report = await handler({ case: 'update', action: 'update-encryption', sse: { key: 'Data' } });
    expect(report).toMatchObject(deniedByBucketPolicy('UpdateObjectEncryption'));
  });

  test('says so when the runtime SDK has no UpdateObjectEncryption command, instead of failing', async () => {
    const { handler, sent } = loadClient(undefined, { updateObjectEncryption: false });
    const report = await handler({ case: 'update', action: 'update-encryption', sse: { key: 'Data' } });
    expect(commandsOf(sent)).toEqual(['PutObjectCommand']);
    expect(report).toEqual({ case: 'update', outcome: 'NotInRuntimeSdk', step: 'UpdateObjectEncryption',
      observed: 'NotInRuntimeSdk at UpdateObjectEncryption' });
  });
});

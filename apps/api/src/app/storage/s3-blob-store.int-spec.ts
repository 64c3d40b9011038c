// S3BlobStore against a real S3-compatible server (s3rver) on loopback.
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { startS3Server, type TestS3Server } from '../../testing/s3-server';
import { S3BlobStore } from './s3-blob-store';

const BUCKET = 'blob-store';
let s3: TestS3Server;
let store: S3BlobStore;

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  const config = s3.archiveConfig(BUCKET, 'p/');
  if (config.type !== 's3') throw new Error('expected an s3 config');
  store = new S3BlobStore(config);
});
afterAll(async () => {
  store?.destroy();
  await s3?.close();
});

it('puts buffers and streams under its prefix and reads them back', async () => {
  await store.put('a/one.txt', Buffer.from('one'), { contentType: 'text/plain' });
  await store.put('a/two.txt', Readable.from([Buffer.from('tw'), Buffer.from('o')]));
  expect(await s3.listKeys(BUCKET)).toEqual(expect.arrayContaining(['p/a/one.txt', 'p/a/two.txt']));
  const read = async (key: string) => {
    const blob = await store.get(key);
    if (!blob) throw new Error(`${key} missing`);
    return { text: (await buffer(blob.body)).toString(), contentType: blob.contentType };
  };
  expect(await read('a/one.txt')).toEqual({ text: 'one', contentType: 'text/plain' });
  expect((await read('a/two.txt')).text).toBe('two');
  expect(store.description).toBe(`s3://${BUCKET}/p/`);
});

it('answers null and false for a missing key and refuses unsafe keys', async () => {
  expect(await store.get('missing')).toBeNull();
  expect(await store.exists('missing')).toBe(false);
  expect(await store.exists('a/one.txt')).toBe(true);
  await expect(store.put('../escape', Buffer.from('x'))).rejects.toThrow(/unsafe blob key/);
});

it('deletes more keys than one DeleteObjects request takes, missing ones included', async () => {
  // Flat keys without a prefix: s3rver's parallel deletes race on removing shared empty folders.
  const config = s3.archiveConfig(BUCKET);
  if (config.type !== 's3') throw new Error('expected an s3 config');
  const flat = new S3BlobStore(config);
  try {
    const keys = Array.from({ length: 1003 }, (_, i) => `many-${i}`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((k) => flat.put(k, Buffer.from('x'))));
    await flat.delete([...keys, 'never-there']);
    expect((await s3.listKeys(BUCKET)).filter((k) => k.startsWith('many-'))).toEqual([]);
  } finally {
    flat.destroy();
  }
});

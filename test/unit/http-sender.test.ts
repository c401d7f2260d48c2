import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressPolicy } from '../../src/delivery/address-policy.js';
import { HttpSender } from '../../src/delivery/http-sender.js';

/** A loopback listener that counts connections and answers 200 to whatever arrives. */
let server: Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    socket.on('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Ways of writing the loopback listener's address in a URL, as an attacker would try them. */
const spellings = [
  '127.0.0.1',
  '2130706433',
  '0x7f000001',
  '0x7f.1',
  '0177.0.0.1',
  '0177.0.0.01',
  '127.1',
  '127.0.1',
  '127.0.0.1.',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '[0:0:0:0:0:ffff:7f00:1]',
  'localhost',
  'LOCALHOST',
];

const send = (sender: HttpSender, host: string) => sender.send({ url: `http://${host}:${port}/hook`, headers: {}, body: '{}', timeoutMs: 2000 });

describe('the HTTP sender under the SSRF guard', () => {
  it.each(spellings)('refuses http://%s/ as blocked_address without connecting', async (host) => {
    const sender = new HttpSender(new AddressPolicy({ allowPrivate: false }));
    try {
      const before = connections;
      const result = await send(sender, host);
      expect(result).toMatchObject({ status: null, errorCode: 'blocked_address' });
      expect(result.error).toMatch(/refused \(loopback/);
      expect(connections).toBe(before);
    } finally {
      await sender.close();
    }
  });

  it('connects to the same spellings once their range is allowed', async () => {
    const sender = new HttpSender(new AddressPolicy({ allowPrivate: false, allowCidrs: ['127.0.0.0/8', '::1/128'] }));
    try {
      for (const host of spellings) {
        const before = connections;
        const result = await send(sender, host);
        expect(result, host).toMatchObject({ status: 200, errorCode: null });
        expect(connections, host).toBe(before + 1);
      }
    } finally {
      await sender.close();
    }
  });

  it('tells a timeout and a refused connection apart from a blocked address', async () => {
    const sender = new HttpSender(new AddressPolicy({ allowPrivate: true }));
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      const slow = await sender.send({ url: `http://127.0.0.1:${silentPort}/`, headers: {}, body: '{}', timeoutMs: 200 });
      expect(slow.errorCode).toBe('timeout');
      // Port 9 (discard) has no listener on loopback here.
      const closed = await sender.send({ url: 'http://127.0.0.1:9/', headers: {}, body: '{}', timeoutMs: 2000 });
      expect(closed.errorCode).toBe('connection_failed');
      const invalid = await sender.send({ url: 'not a url', headers: {}, body: '{}', timeoutMs: 2000 });
      expect(invalid.errorCode).toBe('invalid_url');
    } finally {
      for (const socket of held) socket.destroy();
      await sender.close();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

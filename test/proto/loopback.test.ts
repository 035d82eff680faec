import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostOfAddress, isLoopbackHost } from '../../proto/loopback.js';

describe('loopback: one rule for the agent and the collector', () => {
  it('is 127.0.0.0/8, ::1 in any spelling, ::ffff:127.x.y.z and the name localhost', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', '[::1]', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
  });

  it('is not a name that merely looks like loopback, nor any other address', () => {
    for (const host of [
      '127.evil.example',
      '127.0.0.1.nip.io',
      '127',
      '127.0.0',
      'localhost.evil.example',
      '::2',
      '::ffff:10.0.0.1',
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '192.0.2.1',
      '',
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  it('takes the host out of HOST:PORT and [IPv6]:PORT', () => {
    assert.deepEqual(['127.0.0.1:50051', '[::1]:50051', 'collector.example:443', '127.evil.example:50051'].map(hostOfAddress), [
      '127.0.0.1',
      '::1',
      'collector.example',
      '127.evil.example',
    ]);
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SysfsAttribute } from '../../../agent/power/sysfs-attribute.js';
import { fileTree, writeSysfsValue } from '../../support/file-tree.js';

/** A sysfs attribute every Linux has that changes on demand: packets sent over loopback. */
const LOOPBACK_PACKETS = '/sys/class/net/lo/statistics/tx_packets';

describe('SysfsAttribute: a sensor file kept open, read at offset 0', () => {
  it(
    'reads the value sysfs holds now, not the one it held when opened (this kernel)',
    { skip: existsSync(LOOPBACK_PACKETS) ? false : `not checked here: ${LOOPBACK_PACKETS} is missing (no sysfs)` },
    async () => {
      const attribute = new SysfsAttribute(LOOPBACK_PACKETS);
      try {
        const before = Number(await attribute.read());
        execFileSync(process.execPath, [
          '-e',
          "require('net').createServer().listen(0,'127.0.0.1',function(){const s=require('net').connect(this.address().port,'127.0.0.1',()=>{s.end();this.close()})})",
        ]);
        const after = Number(await attribute.read());
        const fresh = Number(readFileSync(LOOPBACK_PACKETS, 'latin1'));
        assert.ok(after > before, `loopback packets ${before} then ${after}`);
        assert.ok(fresh >= after, `a fresh open reads ${fresh}, the kept handle ${after}`);
      } finally {
        await attribute.close();
      }
    },
  );

  it('sees a value rewritten in place, opens the file again after a failed read, and says when a text is too long for a number', async () => {
    const root = fileTree({ power1_input: '426000000\n' });
    const path = join(root, 'power1_input');
    const attribute = new SysfsAttribute(path);
    try {
      assert.equal(await attribute.read(), '426000000\n');
      writeSysfsValue(path, '5\n');
      assert.equal(await attribute.read(), '5\n');
      unlinkSync(path);
      writeFileSync(path, '7\n'); // another file under the same name: the kept handle still reads the old one
      assert.equal(await attribute.read(), '5\n');
      // A read that fails (the open succeeds on a directory; its read does not) drops the handle: the next read opens the file anew.
      await attribute.close();
      rmSync(path);
      mkdirSync(path);
      await assert.rejects(attribute.read(), /EISDIR/);
      rmSync(path, { recursive: true });
      writeFileSync(path, '8\n');
      assert.equal(await attribute.read(), '8\n', 'opened again after the failed read');
      writeSysfsValue(path, '9'.repeat(400));
      assert.equal(await attribute.read(), undefined);
    } finally {
      await attribute.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

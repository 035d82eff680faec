import { open, type FileHandle } from 'node:fs/promises';

/** Room for any number a sensor file holds, and more: a longer text is not a reading. */
const VALUE_BYTES = 128;

/**
 * A sysfs attribute read again and again (a power or energy sensor, once a
 * second for the agent's life). Its file stays open and each read is one
 * pread at offset 0, which makes sysfs produce the value afresh (kernfs
 * starts its show() again at offset 0; checked on this kernel by
 * sysfs-attribute.test.ts). That is one trip to the thread pool, where
 * readFile takes four (open, fstat, read, close): the reads had become
 * the largest part of the agent's CPU at 1 Hz.
 *
 * A read that fails drops the handle, so the next one opens the file again
 * (an OCC reset, a driver reloaded). Reads may overlap (a read abandoned by
 * the sampler's timeout and the next one): each has its own buffer.
 */
export class SysfsAttribute {
  private opening: Promise<FileHandle> | undefined;

  constructor(readonly path: string) {}

  /** The attribute's text now, or undefined for one too long to be a number; rejects with the open's or the read's error. */
  async read(): Promise<string | undefined> {
    const opening = (this.opening ??= open(this.path, 'r'));
    let handle: FileHandle;
    try {
      handle = await opening;
    } catch (error) {
      if (this.opening === opening) this.opening = undefined;
      throw error;
    }
    try {
      const buffer = Buffer.allocUnsafe(VALUE_BYTES + 1);
      const { bytesRead } = await handle.read(buffer, 0, VALUE_BYTES + 1, 0);
      return bytesRead > VALUE_BYTES ? undefined : buffer.toString('latin1', 0, bytesRead);
    } catch (error) {
      if (this.opening === opening) {
        this.opening = undefined;
        await handle.close().catch(() => undefined);
      }
      throw error;
    }
  }

  /** Idempotent; a later read opens the file again. */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    await opening?.then((handle) => handle.close()).catch(() => undefined);
  }
}

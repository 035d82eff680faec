import { spawn, type ChildProcess } from 'node:child_process';
import { ipmitoolArgs, ipmitoolNotFound, type IpmiConnection, type IpmitoolResult } from './ipmitool.js';
import { SourceError } from '../power-source.js';

const PROMPT = 'ipmitool> ';
/** sh's exit status for a command it cannot find. */
const COMMAND_NOT_FOUND = 127;

/**
 * One long-lived `ipmitool shell` session: ~0.35 ms a command instead of a
 * ~25 ms process per reading (shared/notes/bmc-simulator.md). Each reply is
 * delimited by an `echo MARKER` sent after the command; prompt lines (the
 * shell echoing what was typed) are dropped. ipmitool writes a failed
 * command's error to stderr before the marker's echo to stdout; two pipes
 * can deliver them in either order, so the session runs under `sh -c
 * 'exec ipmitool … 2>&1'`: one pipe, the order ipmitool wrote. A session that stops
 * answering is killed at the timeout; one that answers nothing (the BMC
 * dropped an idle session) is restarted and the command tried once more.
 * EOF does not end ipmitool's shell, so close() says "exit" and kills after.
 */
export class IpmitoolShell {
  private child: ChildProcess | undefined;
  private buffer = '';
  private queue: Promise<unknown> = Promise.resolve();
  private counter = 0;
  /** The command waiting for its reply (one at a time: run() queues them). */
  private waiter: { onData(): void; onExit(code: number | null): void } | undefined;

  constructor(private readonly connection: IpmiConnection) {}

  run(command: readonly string[], signal: AbortSignal): Promise<IpmitoolResult> {
    const result = this.queue.then(() => this.runNow(command, signal, true));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The next command starts a new session (after an error that may mean the BMC forgot this one). */
  reset(): void {
    if (this.child === undefined) return;
    this.kill();
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin!.end('exit\n');
    const kill = setTimeout(() => child.kill('SIGKILL'), 500);
    await exited;
    clearTimeout(kill);
  }

  private async runNow(command: readonly string[], signal: AbortSignal, retryIfSilent: boolean): Promise<IpmitoolResult> {
    const child = this.start();
    const marker = `powerprof-end-${process.pid}-${++this.counter}`;
    // Keep the unfinished last line: the prompt before which our command will be echoed.
    this.buffer = this.buffer.slice(this.buffer.lastIndexOf('\n') + 1);
    child.stdin!.write(`${command.join(' ')}\necho ${marker}\n`);
    const { output, code } = await this.readUntil(marker, child, signal, command);
    if (code === COMMAND_NOT_FOUND && /exec: .*not found/.test(output)) throw new SourceError(ipmitoolNotFound(this.connection));
    // ipmitool quit (it could not open the device or the session): its words are the answer.
    if (code !== null) return { output, code };
    if (output.trim() === '' && retryIfSilent) {
      // A silent session is a dead one: start a new session and ask again.
      this.kill();
      return this.runNow(command, signal, false);
    }
    if (output.trim() === '') throw new SourceError(`"ipmitool ${command.join(' ')}" in an ipmitool shell session answered nothing, twice`);
    return { output, code: null };
  }

  private start(): ChildProcess {
    if (this.child !== undefined && this.child.exitCode === null) return this.child;
    const env = this.connection.password === undefined ? process.env : { ...process.env, IPMI_PASSWORD: this.connection.password };
    const shellArgs = ipmitoolArgs(this.connection, ['shell']);
    const child = spawn('/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', this.connection.ipmitoolPath, ...shellArgs], { stdio: ['pipe', 'pipe', 'ignore'], env });
    // Listeners for the session's life, not per command: ipmitool writes a reply in about seven pieces.
    const collect = (chunk: Buffer): void => {
      if (this.child !== child) return; // a session killed and replaced: its last words are not this one's
      this.buffer += chunk.toString();
      this.waiter?.onData();
    };
    child.stdout.on('data', collect);
    child.stdin.on('error', () => undefined); // a dead session shows as a timeout or silence
    child.once('error', () => undefined);
    child.once('close', (code: number | null) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.waiter?.onExit(code);
    });
    this.child = child;
    return child;
  }

  private readUntil(marker: string, child: ChildProcess, signal: AbortSignal, command: readonly string[]): Promise<IpmitoolResult> {
    return new Promise((resolve, reject) => {
      let searchFrom = 0;
      const finish = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiter = undefined;
      };
      const fail = (message: string): void => {
        finish();
        if (this.child === child) this.kill();
        reject(new SourceError(message));
      };
      const replyLines = (): string[] => this.buffer.split('\n').filter((line) => !line.startsWith(PROMPT));
      const onData = (): void => {
        // Only new text is searched; the reply is split into lines once, when its marker has come.
        const at = this.buffer.indexOf(marker, Math.max(0, searchFrom - marker.length));
        searchFrom = this.buffer.length;
        if (at === -1) return;
        // Lines after a prompt are the shell echoing what we typed; the reply follows them.
        const lines = replyLines();
        const end = lines.findIndex((line) => line.trim() === marker);
        if (end === -1) return;
        finish();
        resolve({ output: lines.slice(0, end).join('\n'), code: null });
      };
      const onExit = (code: number | null): void => {
        finish();
        resolve({ output: replyLines().join('\n'), code: code ?? 1 });
      };
      const onAbort = (): void => fail(`"ipmitool ${command.join(' ')}" was abandoned`);
      const timer = setTimeout(
        () => fail(`"ipmitool ${command.join(' ')}" did not answer within ${this.connection.timeoutMs / 1000} s and the shell session was killed`),
        this.connection.timeoutMs,
      );
      this.waiter = { onData, onExit };
      signal.addEventListener('abort', onAbort, { once: true });
      if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode);
      else onData();
    });
  }

  private kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}

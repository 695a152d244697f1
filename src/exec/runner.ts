// The one place external commands are started. Argument arrays only (never a shell string),
// a timeout on every command, and a spawn counter the benchmark reads.

import { execa } from 'execa';

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  /** Resolve with a non-zero exit instead of throwing. */
  allowFailure?: boolean;
  env?: Record<string, string>;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export class CommandError extends Error {
  constructor(
    readonly command: readonly string[],
    readonly result: RunResult,
  ) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
    super(`${command.join(' ')} ${result.timedOut ? 'timed out' : `exited ${result.exitCode}`}${detail ? `: ${detail}` : ''}`);
    this.name = 'CommandError';
  }
}

export interface CommandRunner {
  run(command: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Number of processes started so far (benchmark and tests read it). */
  readonly spawnCount: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class ExecaRunner implements CommandRunner {
  spawnCount = 0;

  async run(command: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const [file, ...args] = command;
    if (!file) throw new Error('empty command');
    this.spawnCount += 1;
    const child = await execa(file, args, {
      input: options.input,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      reject: false,
      stripFinalNewline: false,
      env: options.env,
      // Daemons a command leaves behind (dhclient from ifup) must not hold our pipes open.
      stdin: options.input === undefined ? 'ignore' : 'pipe',
      cleanup: true,
    });
    const result: RunResult = {
      exitCode: child.exitCode ?? -1,
      stdout: String(child.stdout ?? ''),
      stderr: String(child.stderr ?? ''),
      timedOut: Boolean(child.timedOut),
    };
    if (child.failed && !options.allowFailure) throw new CommandError(command, result);
    if (((child as { code?: string }).code === 'ENOENT' || result.exitCode === -1) && !result.timedOut) {
      throw new CommandError(command, { ...result, stderr: `${file}: command not found or could not start` });
    }
    return result;
  }
}

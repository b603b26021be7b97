// Runs an MSAL peer (MSAL Python, msal-node) in a child process asynchronously, so the in-process emulator keeps
// answering, and reads the JSON lines it prints. `onLine` sees each line as it comes and may answer on stdin.
import { spawn } from 'node:child_process';

export type PeerLine = Record<string, unknown>;

export interface PeerOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Called for each JSON line; a returned string is written to the peer's stdin. */
  readonly onLine?: (line: PeerLine) => string | undefined | Promise<string | undefined>;
  readonly timeoutMs?: number;
}

/** Runs `command args`, resolves every JSON line it printed; rejects on a non-zero exit, a timeout or a bad line. */
export function runPeer(command: string, args: readonly string[], options: PeerOptions = {}): Promise<PeerLine[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const lines: PeerLine[] = [];
    let stdout = '';
    let stderr = '';
    let failed: Error | undefined;
    const timer = setTimeout(() => {
      failed = new Error(`${command} timed out\n${stderr}`);
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      let nl;
      while ((nl = stdout.indexOf('\n')) >= 0) {
        const text = stdout.slice(0, nl).trim();
        stdout = stdout.slice(nl + 1);
        if (text === '') continue;
        let line: PeerLine;
        try {
          line = JSON.parse(text) as PeerLine;
        } catch {
          failed ??= new Error(`${command} printed a line that is not JSON: ${text}\n${stderr}`);
          continue;
        }
        lines.push(line);
        if (options.onLine !== undefined) {
          Promise.resolve(options.onLine(line)).then(
            (answer) => {
              if (answer !== undefined) child.stdin.write(answer);
            },
            (err: unknown) => {
              failed ??= err instanceof Error ? err : new Error(String(err));
              if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
            },
          );
        }
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failed !== undefined) reject(failed);
      else if (code !== 0) reject(new Error(`${command} exited with ${String(code)}\n${stderr}`));
      else resolve(lines);
    });
  });
}

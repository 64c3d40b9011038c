import { execFile } from 'child_process';
import * as path from 'path';

/** `secrets.sops.yaml` is SOPS-encrypted; a dotfile like `.sops.yaml` is SOPS's own config. */
export function isSopsFile(file: string): boolean {
  const base = path.basename(file);
  return !base.startsWith('.') && /\.sops\.ya?ml$/i.test(base);
}

/** Decrypts with the `sops` CLI, as upstream does; its stderr becomes the error message. */
export function decryptSopsFile(absolutePath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'sops',
      ['-d', absolutePath],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          return reject(new Error('SOPS-encrypted file, but the `sops` command is not installed'));
        }
        reject(new Error(`sops -d failed: ${stderr.trim() || error.message}`));
      },
    );
  });
}

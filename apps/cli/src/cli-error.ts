/** Exit codes of the `stroem` command. */
export const EXIT = {
  ok: 0,
  /** The job failed, or the workspace has validation errors. */
  failed: 1,
  /** Bad input: a missing path, unparsable YAML, an unknown task, invalid --input… */
  usage: 2,
  /** A bug in stroem itself. */
  internal: 3,
  /** Cancelled with Ctrl-C. */
  interrupted: 130,
} as const;

/** An error the user can fix; printed as one line (no stack) and mapped to an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

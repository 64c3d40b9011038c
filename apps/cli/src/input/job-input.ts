/** Reads `--input` / `--input-file` JSON, pointing at the position of a syntax error. */
import { readFileSync } from 'node:fs';
import type { JsonObject, JsonValue } from '@stroem/workflow';
import { CliError } from '../cli-error';
import { findJsonErrorPosition } from './json-error-position';

/** `Unexpected token 'A' at line 1, column 10` plus the line with a caret under the spot. */
function describeJsonError(text: string, err: SyntaxError): string {
  const where = findJsonErrorPosition(text);
  const reason = err.message
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '');
  if (!where) return reason;
  const lineText = text.split('\n')[where.line - 1] ?? '';
  const caret = `\n    ${lineText}\n    ${' '.repeat(where.column - 1)}^`;
  return `${reason} at line ${where.line}, column ${where.column}${caret}`;
}

export function parseJobInput(text: string, source: string): JsonObject {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (err) {
    const why = err instanceof SyntaxError ? describeJsonError(text, err) : String(err);
    throw new CliError(`invalid JSON in ${source}: ${why}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(`${source} must be a JSON object, e.g. '{"name": "Ada"}'`);
  }
  return value;
}

export function readJobInput(options: { input?: string; inputFile?: string }): JsonObject {
  if (options.input !== undefined && options.inputFile !== undefined) {
    throw new CliError('give either --input or --input-file, not both');
  }
  if (options.inputFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.inputFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'it is a directory'
            : code === 'EACCES'
              ? 'permission denied'
              : (err as Error).message;
      throw new CliError(`cannot read --input-file '${options.inputFile}': ${why}`);
    }
    return parseJobInput(text, `--input-file '${options.inputFile}'`);
  }
  if (options.input !== undefined) return parseJobInput(options.input, '--input');
  return {};
}

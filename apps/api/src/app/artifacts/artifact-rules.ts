import type { ArtifactStorageConfig } from '../config/server-config';

export const DEFAULT_ARTIFACT_STORAGE: ArtifactStorageConfig = {
  prefix: 'artifacts/',
  max_file_bytes: 100 * 1024 * 1024,
  max_job_bytes: 1024 * 1024 * 1024,
};

const MAX_NAME_LENGTH = 255;

/**
 * Why an artifact name is refused, or null when it is fine: a relative path of at most 255
 * characters, no `..` segment, no leading `/` or `-`, no backslash, NUL or control characters.
 * Names are only ever looked up in the database, never joined onto a file path.
 */
export function artifactNameProblem(name: string): string | null {
  if (name === '') return 'the artifact name is empty';
  if (name.length > MAX_NAME_LENGTH)
    return `the artifact name is longer than ${MAX_NAME_LENGTH} characters`;
  if (name.startsWith('/') || name.startsWith('-'))
    return `the artifact name '${name}' must not start with '/' or '-'`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(name))
    return 'the artifact name contains a control character or a backslash';
  if (name.split('/').some((part) => part === '..' || part === '.' || part === ''))
    return `the artifact name '${name}' has an empty, '.' or '..' segment`;
  return null;
}

const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain']);

/** Content-Disposition of a download: inline only for images and plain text. */
export function contentDisposition(name: string, contentType: string): string {
  const base = contentType.split(';')[0].trim().toLowerCase();
  const kind = INLINE_TYPES.has(base) ? 'inline' : 'attachment';
  const file = name.split('/').pop() ?? name;
  const ascii = file.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file)}`;
}

/** Repo-relative path arithmetic that refuses to leave the repository. */
import { RenderError, RenderErrorCode } from '../errors/render-error.js';

/** Normalizes a repo path ('./a//b/' → 'a/b'); throws PATH_ESCAPE for absolute paths or '..' past the root. */
export function normalizeRepoPath(path: string, referencedFrom = path): string {
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) {
    throw new RenderError(
      RenderErrorCode.PathEscape,
      referencedFrom,
      `absolute path "${path}" is not allowed; paths are relative to the repository`,
    );
  }
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) {
        throw new RenderError(RenderErrorCode.PathEscape, referencedFrom, `path "${path}" escapes the repository root`);
      }
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

/** Resolves `ref` relative to the directory `dir` (both repo-relative). `file` names the referencing file for errors. */
export function resolveRepoPath(dir: string, ref: string, file: string): string {
  if (ref.startsWith('/')) {
    throw new RenderError(
      RenderErrorCode.PathEscape,
      file,
      `absolute path "${ref}" is not allowed; paths are relative to the repository`,
    );
  }
  return normalizeRepoPath(dir === '' ? ref : `${dir}/${ref}`, file);
}

export function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinRepoPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

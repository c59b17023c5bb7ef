/** The error for two resources with one id: kubectl keeps both when their versions differ, but a cluster holds one object. */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import type { Resource } from './resource.js';

export function duplicateError(id: string, existing: Resource, res: Resource): RenderError {
  if (existing.obj.apiVersion !== res.obj.apiVersion)
    return new RenderError(
      RenderErrorCode.DuplicateObject,
      res.file,
      `${res.obj.kind} "${res.obj.metadata.name}" is defined as ${res.obj.apiVersion} here and as ${existing.obj.apiVersion} in ${existing.file}: ` +
        'two versions of one kind and name are one object in a cluster; keep one of them',
    );
  return new RenderError(RenderErrorCode.DuplicateObject, res.file, `object ${id} is also defined in ${existing.file}`);
}

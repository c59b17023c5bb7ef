/** Render errors: a closed set of codes, each naming the file and the reason; JSON-serializable. */

export const RenderErrorCode = {
  InvalidYaml: 'INVALID_YAML',
  AliasLimit: 'ALIAS_LIMIT',
  FileTooLarge: 'FILE_TOO_LARGE',
  TooManyDocuments: 'TOO_MANY_DOCUMENTS',
  TooManyObjects: 'TOO_MANY_OBJECTS',
  InvalidObject: 'INVALID_OBJECT',
  DuplicateObject: 'DUPLICATE_OBJECT',
  PathEscape: 'PATH_ESCAPE',
  Symlink: 'SYMLINK',
  NotFound: 'NOT_FOUND',
  /** The path to render itself is not in the commit (a cluster whose folder is not pushed yet). */
  PathNotFound: 'PATH_NOT_FOUND',
  UnsupportedField: 'UNSUPPORTED_FIELD',
  InvalidKustomization: 'INVALID_KUSTOMIZATION',
  PatchFailed: 'PATCH_FAILED',
  Cycle: 'CYCLE',
  /** A Helm chart that is neither in the repository nor in its chart repository. */
  HelmChartNotFound: 'HELM_CHART_NOT_FOUND',
  /** A Helm values file (or inline values) that does not parse as a YAML mapping. */
  HelmValuesInvalid: 'HELM_VALUES_INVALID',
  /** The chart repository could not be reached, or answered with an error or too much. */
  HelmRepoUnreachable: 'HELM_REPO_UNREACHABLE',
  /** `helm template` failed, ran past its time limit, or printed more than its output limit. */
  HelmRenderFailed: 'HELM_RENDER_FAILED',
} as const;
export type RenderErrorCode = (typeof RenderErrorCode)[keyof typeof RenderErrorCode];

export interface RenderErrorData {
  /** Repo-relative path of the offending file (or directory). */
  file: string;
  reason: string;
}

export class RenderError extends Error {
  override readonly name = 'RenderError';
  readonly code: RenderErrorCode;
  readonly data: RenderErrorData;

  constructor(code: RenderErrorCode, file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.code = code;
    this.data = { file, reason };
  }

  get file(): string {
    return this.data.file;
  }

  get reason(): string {
    return this.data.reason;
  }

  toJSON(): { code: RenderErrorCode; data: RenderErrorData; message: string } {
    return { code: this.code, data: { ...this.data }, message: this.message };
  }

  static fromJSON(json: { code: RenderErrorCode; data: RenderErrorData }): RenderError {
    return new RenderError(json.code, json.data.file, json.data.reason);
  }
}

export function isRenderError(err: unknown): err is RenderError {
  return err instanceof RenderError;
}

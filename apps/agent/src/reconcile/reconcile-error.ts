/** A reconcile failure: the stage it happened in, a code, the reason (naming the file for render errors) and whether a retry may help. */
import { storableText, type ReconcileErrorReport, type ReconcileStage } from '@flotilla/protocol';
import { isRenderError } from '@flotilla/gitops';
import { AgentError } from '../errors.js';
import { KubeApiError } from '../kube/kube-client.js';

/** No answer (0: a closed connection, a timeout), server errors, throttling and conflicts may pass on a later try; other answers repeat. */
function retryableStatus(status: number): boolean {
  return status === 0 || status >= 500 || status === 429 || status === 409;
}

export class ReconcileError extends Error {
  override readonly name = 'ReconcileError';
  constructor(
    readonly stage: ReconcileStage,
    readonly code: string,
    readonly reason: string,
    readonly retryable: boolean,
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(`${stage}: ${file ? `${file}: ` : ''}${reason}`, options);
  }

  /** Wraps whatever a stage threw. Render and plan input errors are not retryable: the same commit fails the same way. */
  static from(stage: ReconcileStage, error: unknown): ReconcileError {
    if (error instanceof ReconcileError) return error;
    if (isRenderError(error))
      return new ReconcileError(stage, error.code, error.reason, false, error.file, { cause: error });
    if (error instanceof AgentError) {
      const file = typeof error.data['file'] === 'string' ? error.data['file'] : undefined;
      const retryable = error.data['retryable'] !== false;
      return new ReconcileError(stage, error.code, error.message, retryable, file, { cause: error });
    }
    if (error instanceof KubeApiError) {
      const code = `KUBE_${error.reason.toUpperCase()}`;
      return new ReconcileError(stage, code, error.message, retryableStatus(error.status), undefined, { cause: error });
    }
    return new ReconcileError(
      stage,
      'INTERNAL',
      error instanceof Error ? error.message : String(error),
      true,
      undefined,
      { cause: error },
    );
  }

  toReport(): ReconcileErrorReport {
    return {
      stage: this.stage,
      code: storableText(this.code, 128),
      reason: storableText(this.reason, 4096),
      retryable: this.retryable,
      ...(this.file ? { file: storableText(this.file, 1024) } : {}),
    };
  }

  toJSON() {
    return { name: this.name, ...this.toReport() };
  }
}

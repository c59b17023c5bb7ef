/** Path of the pinned kubectl in .tools/bin. */
export declare const KUBECTL_PATH: string;
/** Installs the pinned, real kubectl when missing and returns its path. */
export declare function ensureKubectl(): string;

/**
 * state/: where the agent keeps the little it must not lose across restarts — its credential, the
 * key of an unfinished registration and the last desired state. Either files in the state dir
 * (`DirStateStore`, the default) or keys of one Kubernetes Secret in the agent's namespace
 * (`SecretStateStore`, `--state-secret`), so a pod needs no PersistentVolume. Everything else in
 * the state dir (Git cache, outbox, applied digests) is a cache that may start empty.
 */
export interface StateStore {
  /** Where a key lives, for messages: a file path or `secret <ns>/<name> key <key>`. */
  describe(key: string): string;
  /** How to start over after a damaged key, for messages. */
  discardHint(key: string): string;
  /** The stored text, or undefined when the key is not stored. */
  read(key: string): Promise<string | undefined>;
  /** Stores the text whole (atomically): a reader sees the old or the new text, never a mix. */
  write(key: string, text: string): Promise<void>;
  /** Removes the key (nothing when it is not stored). */
  remove(key: string): Promise<void>;
  /** True when the stored key is readable by others than the agent (a file not 0600). */
  isExposed(key: string): Promise<boolean>;
}

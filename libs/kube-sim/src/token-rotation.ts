// Bearer tokens that rotate, as a projected service-account token does: kube-sim writes a fresh
// random token into a file every N ms (atomically, as the kubelet's atomic writer swaps it) and
// accepts only the file's current token; an older one gets the 401 Status a real server sends
// for an expired token. Clients must read the file again (client-go: at least every minute, and
// the agent also after a 401).
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';

export interface TokenRotationOptions {
  /** The file the current token is written to (mode 0600); created at start. */
  file: string;
  /** A new token every this many ms (0: only when `rotate()` is called). */
  everyMs: number;
}

export class TokenRotation {
  private token = '';
  private readonly timer: NodeJS.Timeout | undefined;
  /** How many times the token changed since start (the first token counts as 0). */
  rotations = -1;

  constructor(private readonly opts: TokenRotationOptions) {
    if (!opts.file) throw new RangeError('token rotation needs a file to write the token to');
    if (!Number.isInteger(opts.everyMs) || opts.everyMs < 0 || opts.everyMs > 86_400_000)
      throw new RangeError(`token rotation period must be 0..86400000 ms, got ${opts.everyMs}`);
    this.rotate();
    if (opts.everyMs > 0) {
      this.timer = setInterval(() => this.rotate(), opts.everyMs);
      this.timer.unref();
    }
  }

  get file(): string {
    return this.opts.file;
  }

  /** The token accepted now. */
  get current(): string {
    return this.token;
  }

  /** Writes a new token; the one before stops working at once. Returns the new token. */
  rotate(): string {
    const next = `sim-${randomBytes(18).toString('base64url')}`;
    const tmp = `${this.opts.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${next}\n`, { mode: 0o600 });
    renameSync(tmp, this.opts.file);
    this.token = next;
    this.rotations++;
    return next;
  }

  accepts(token: string): boolean {
    return token === this.token;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

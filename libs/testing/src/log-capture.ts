/**
 * A pino logger that keeps its lines in memory, so a test can wait until the code under test says
 * it has reached a state ("disconnected", "cannot connect") instead of sleeping and hoping.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { waitFor, type EventuallyOptions } from './eventually.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface LogCapture {
  logger: Logger;
  lines: LogLine[];
  /** Lines whose message matches. */
  matching(re: RegExp): LogLine[];
  /** Waits until at least `count` (default 1) lines match, and returns them. */
  waitForLine(re: RegExp, opts?: EventuallyOptions & { count?: number }): Promise<LogLine[]>;
}

export function captureLogs(level: pino.Level = 'debug'): LogCapture {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text.trim()) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  const matching = (re: RegExp) => lines.filter((l) => re.test(String(l.msg)));
  return {
    logger: pino({ level }, sink),
    lines,
    matching,
    waitForLine: (re, opts = {}) =>
      waitFor(
        () => matching(re),
        (found) => found.length >= (opts.count ?? 1),
        { what: `${opts.count ?? 1} log line(s) matching ${re}`, ...opts },
      ),
  };
}

/** Output helpers: aligned tables, key/value blocks, JSON, and human-friendly times. */

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function keyValues(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`).join('\n');
}

export const json = (value: unknown) => JSON.stringify(value, null, 2);

/** "12s ago", "5m ago", "3h ago", "2d ago" (or "in 5m" for the future); "-" when absent. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const diff = now - Date.parse(iso);
  const abs = Math.abs(diff) / 1000;
  const text =
    abs < 60
      ? `${Math.round(abs)}s`
      : abs < 3600
        ? `${Math.round(abs / 60)}m`
        : abs < 86_400
          ? `${Math.round(abs / 3600)}h`
          : `${Math.round(abs / 86_400)}d`;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

export const list = (items: string[]) => (items.length ? items.join(',') : '-');

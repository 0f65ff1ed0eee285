/** Left-aligned columns separated by two spaces (or `gap`), kubectl style. */
export function formatTable(header: string[], rows: Array<Array<string | number>>, options: { gap?: number } = {}): string {
  const gap = ' '.repeat(options.gap ?? 2);
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(gap)).join('\n');
}

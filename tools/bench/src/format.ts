/** Plain-text tables for the terminal: one header row, figures aligned right. */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  // Columns of figures ("12.5 KiB", 3, "-") align right.
  const numeric = headers.map((_, column) => rows.length > 0 && rows.every((row) => /^(-|[-+]?\d[\d.,]*(\s?\S+)?)$/.test(String(row[column]))));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(cells[0]!), widths.map((width) => "-".repeat(width)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Milliseconds with two decimals, as a number so tables align it. */
export const ms = (value: number) => Math.round(value * 100) / 100;

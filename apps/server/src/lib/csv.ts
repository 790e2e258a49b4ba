/**
 * A text cell of a CSV file. One a spreadsheet would take for a formula (starting with = + - @, a tab or
 * a carriage return) gets a leading `'` (OWASP's advice against CSV injection); one holding a comma, a
 * quote or a line break is quoted.
 */
export function csvText(value: string): string {
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A numeric cell (a number by schema, so never a formula): at most two decimals, as a plain number. */
export const csvNumber = (n: number): string => (Math.round(n * 100) / 100).toString();

/** One line of cells, each already made with `csvText` or `csvNumber`. */
export const csvLine = (cells: readonly string[]): string => `${cells.join(',')}\n`;

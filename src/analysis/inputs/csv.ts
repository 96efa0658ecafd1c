// A CSV of numbers for a tabular model: one sample per row, one feature per column, an optional header row
// (told apart by a cell that is not a number). The engine's RFC 4180 splitter reads the fields (a quoted
// header name may hold a comma); the separator is a comma, or a semicolon or tab when the first line has
// those and no comma.

import { CsvError, parseCsvRows } from '../../engine/data/csv';
import { Tensor } from '../../engine/tensor';
import { InputError } from './inputError';

export interface CsvTable {
  readonly header: readonly string[] | null;
  readonly rows: number;
  readonly columns: number;
  /** Row-major values. */
  readonly values: Float32Array;
}

/** Rows read at most: a probe or a recalibration needs a few thousand samples, not millions. */
export const MAX_CSV_ROWS = 100_000;

/** A cell as a number: decimal or exponent notation, nan/inf as NumPy writes them; null when it is not one. */
function numberOf(cell: string): number | null {
  const t = cell.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  return null;
}

export function parseCsv(file: string, bytes: Uint8Array): CsvTable {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(file, 'the CSV is not UTF-8 text');
  }
  text = text.replace(/^\uFEFF/, '');
  const firstLine = text.split(/\r?\n/, 1)[0];
  const sep = firstLine.includes(',') ? ',' : firstLine.includes(';') ? ';' : firstLine.includes('\t') ? '\t' : ',';
  let parsed: { fields: string[]; line: number }[];
  try {
    parsed = parseCsvRows(text, sep);
  } catch (e) {
    if (e instanceof CsvError) throw new InputError(file, e.message.replace(/^CSV line \d+: /, ''), `line ${e.line}`);
    throw e;
  }
  let header: string[] | null = null;
  let columns = -1;
  const values: number[] = [];
  let rows = 0;
  for (const { fields: cells, line } of parsed) {
    if (cells.every((c) => c.trim() === '')) continue;
    if (columns < 0) {
      columns = cells.length;
      if (cells.some((c) => numberOf(c) === null)) { header = cells.map((c) => c.trim()); continue; }
    }
    if (cells.length !== columns) throw new InputError(file, `the row has ${cells.length} cells, the first row has ${columns}`, `line ${line}`);
    if (rows >= MAX_CSV_ROWS) throw new InputError(file, `the CSV has more than ${MAX_CSV_ROWS} rows; BN Lens reads at most ${MAX_CSV_ROWS}`);
    cells.forEach((c, j) => {
      const v = numberOf(c);
      if (v === null) throw new InputError(file, `'${c.trim().slice(0, 40)}' in column ${header?.[j] ? `'${header[j]}'` : j + 1} is not a number`, `line ${line}`);
      values.push(v);
    });
    rows++;
  }
  if (rows === 0) throw new InputError(file, header ? 'the CSV has a header row but no data rows' : 'the CSV is empty');
  return { header, rows, columns, values: Float32Array.from(values) };
}

/** The table as a [rows, features] batch for a model whose input is [N, features]. */
export function csvToTensor(file: string, table: CsvTable, inputShape: readonly number[] | null | undefined): Tensor {
  if (inputShape) {
    const shown = `[${inputShape.map((d) => (d > 0 ? d : '?')).join(', ')}]`;
    if (inputShape.length !== 2) throw new InputError(file, `the model's input has shape ${shown}; a CSV gives a [samples, features] table, for models whose input is [N, features]`);
    if (inputShape[1] > 0 && inputShape[1] !== table.columns) {
      throw new InputError(file, `the CSV has ${table.columns} columns${table.header ? ` (${table.header.join(', ')})` : ''}; the model's input ${shown} takes ${inputShape[1]} features`);
    }
  }
  return new Tensor(table.values, [table.rows, table.columns]);
}

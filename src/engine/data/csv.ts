// CSV text → classification Dataset (the engine does no file I/O: the caller reads the file). RFC 4180
// fields (quotes, doubled quotes, delimiters and line breaks inside quotes, CRLF); the first row is the
// header; the label column is chosen by name and every other column must be numeric. Classes are the
// distinct labels, in numeric order when all of them are numbers, else in string order.

import { Tensor } from '../tensor';
import type { Dataset } from './dataset';

export interface CsvOptions {
  labelColumn: string;
  /** Default ",". */
  delimiter?: string;
}

export class CsvError extends Error {
  constructor(message: string, readonly line: number) {
    super(`CSV line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

/** Rows of fields, each with the 1-based line it starts on; blank lines are skipped. */
export function parseCsvRows(text: string, delimiter = ','): { fields: string[]; line: number }[] {
  const rows: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let fieldStarted = false;
  const endRow = (): void => {
    if (fieldStarted || fields.length > 0 || field !== '') {
      fields.push(field);
      rows.push({ fields, line: rowLine });
    }
    fields = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
      fieldStarted = true;
    } else if (ch === delimiter) {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) throw new CsvError('unterminated quoted field', rowLine);
  endRow();
  return rows;
}

export function parseCsv(text: string, options: CsvOptions): Dataset {
  const rows = parseCsvRows(text, options.delimiter ?? ',');
  if (rows.length < 2) throw new CsvError('needs a header row and at least one data row', rows[0]?.line ?? 1);
  const header = rows[0].fields.map((h) => h.trim());
  const labelIndex = header.indexOf(options.labelColumn);
  if (labelIndex < 0) throw new CsvError(`no column named "${options.labelColumn}" (columns: ${header.join(', ')})`, rows[0].line);
  const featureNames = header.filter((_, i) => i !== labelIndex);
  const data = rows.slice(1);
  const x = new Float32Array(data.length * featureNames.length);
  const rawLabels: string[] = [];
  data.forEach(({ fields, line }, r) => {
    if (fields.length !== header.length) throw new CsvError(`${fields.length} fields, the header has ${header.length}`, line);
    let f = 0;
    fields.forEach((value, c) => {
      if (c === labelIndex) {
        rawLabels.push(value.trim());
        return;
      }
      const v = value.trim() === '' ? NaN : Number(value);
      if (!Number.isFinite(v)) throw new CsvError(`column "${header[c]}" has a non-numeric value "${value}"`, line);
      x[r * featureNames.length + f++] = v;
    });
  });
  const distinct = [...new Set(rawLabels)];
  const numeric = distinct.every((l) => l !== '' && Number.isFinite(Number(l)));
  distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  const classOf = new Map(distinct.map((l, i) => [l, i]));
  const y = Int32Array.from(rawLabels, (l) => classOf.get(l) as number);
  return { x: new Tensor(x, [data.length, featureNames.length]), y, numClasses: distinct.length, featureNames, classNames: distinct };
}

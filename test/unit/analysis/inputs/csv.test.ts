import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvToTensor, parseCsv } from '../../../../src/analysis/inputs/csv';
import { bytesOf, DATA } from './fixtures';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('CSV tables for tabular models', () => {
  it('reads the fixture: a header with a quoted comma, 10 rows of 5 numbers', () => {
    const table = parseCsv('tabular.csv', bytesOf(path.join(DATA, 'tabular.csv')));
    expect(table.header).toEqual(['age', 'income, k$', 'height', 'weight', 'score']);
    expect([table.rows, table.columns]).toEqual([10, 5]);
    expect(csvToTensor('tabular.csv', table, [-1, 5]).shape).toEqual([10, 5]);
  });
  it('takes rows without a header, semicolons, CRLF, a BOM, exponents, nan and inf', () => {
    const t = parseCsv('x.csv', text('\uFEFF1;2.5e-1\r\n-3;nan\r\n\r\n.5;-inf\r\n'));
    expect(t.header).toBeNull();
    expect(Array.from(t.values)).toEqual([1, 0.25, -3, NaN, 0.5, -Infinity]);
  });
  it('says which line and column is wrong', () => {
    expect(() => parseCsv('x.csv', text('a,b\n1,2\n3\n'))).toThrow('x.csv: the row has 1 cells, the first row has 2 (line 3)');
    expect(() => parseCsv('x.csv', text('a,b\n1,2\n3,four\n'))).toThrow("x.csv: 'four' in column 'b' is not a number (line 3)");
    expect(() => parseCsv('x.csv', text('a,b\n'))).toThrow('x.csv: the CSV has a header row but no data rows');
    expect(() => parseCsv('x.csv', text('"a,b\n1,2\n'))).toThrow('x.csv: unterminated quoted field (line 1)');
    expect(() => parseCsv('x.csv', new Uint8Array([0x31, 0x2c, 0xff, 0xfe]))).toThrow('x.csv: the CSV is not UTF-8 text');
  });
  it('checks the columns against the model\'s input', () => {
    const table = parseCsv('t.csv', text('a,b,c\n1,2,3\n4,5,6\n'));
    expect(() => csvToTensor('t.csv', table, [-1, 5])).toThrow("t.csv: the CSV has 3 columns (a, b, c); the model's input [?, 5] takes 5 features");
    expect(() => csvToTensor('t.csv', table, [-1, 3, 8, 8])).toThrow("t.csv: the model's input has shape [?, 3, 8, 8]; a CSV gives a [samples, features] table");
  });
});

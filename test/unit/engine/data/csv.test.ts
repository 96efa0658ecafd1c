import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv, parseCsvRows } from '../../../../src/engine/data';

describe('parseCsvRows', () => {
  it('handles quotes, doubled quotes, delimiters and newlines inside quotes, CRLF and blank lines', () => {
    const rows = parseCsvRows('a,"b,c","say ""hi"""\r\n\r\n1,"two\nlines",3\n');
    expect(rows.map((r) => r.fields)).toEqual([['a', 'b,c', 'say "hi"'], ['1', 'two\nlines', '3']]);
    expect(rows.map((r) => r.line)).toEqual([1, 3]);
    expect(parseCsvRows('x;y\n1;2', ';')[1].fields).toEqual(['1', '2']);
    expect(parseCsvRows('a,\n,b')[1].fields).toEqual(['', 'b']);
  });

  it('reports an unterminated quote', () => {
    expect(() => parseCsvRows('a,"b\n')).toThrow(CsvError);
  });
});

describe('parseCsv', () => {
  it('takes the label column by name, features in header order, classes in numeric order', () => {
    const ds = parseCsv('exam1,placed,exam2\n80,1,75\n40,0,50\n95.5,1,90\n', { labelColumn: 'placed' });
    expect(ds.featureNames).toEqual(['exam1', 'exam2']);
    expect(ds.x.shape).toEqual([3, 2]);
    expect(Array.from(ds.x.data)).toEqual([80, 75, 40, 50, 95.5, 90]);
    expect(Array.from(ds.y)).toEqual([1, 0, 1]);
    expect(ds.classNames).toEqual(['0', '1']);
    const numeric = parseCsv('v,c\n1,10\n2,9\n3,10', { labelColumn: 'c' });
    expect(numeric.classNames).toEqual(['9', '10']);
  });

  it('maps string labels to sorted classes', () => {
    const ds = parseCsv('f,label\n1,yes\n2,no\n3,maybe\n4,yes', { labelColumn: 'label' });
    expect(ds.classNames).toEqual(['maybe', 'no', 'yes']);
    expect(Array.from(ds.y)).toEqual([2, 1, 0, 2]);
    expect(ds.numClasses).toBe(3);
  });

  it('explains what is wrong, with the line', () => {
    expect(() => parseCsv('a,b\n1,2', { labelColumn: 'c' })).toThrow(/no column named "c"/);
    expect(() => parseCsv('a,b\n1,2\nx,1', { labelColumn: 'b' })).toThrow(/line 3: column "a" has a non-numeric value "x"/);
    expect(() => parseCsv('a,b\n1,2,3', { labelColumn: 'b' })).toThrow(/line 2: 3 fields/);
    expect(() => parseCsv('a,b\n1,', { labelColumn: 'b' })).not.toThrow();
    expect(() => parseCsv('a,b\n,1', { labelColumn: 'b' })).toThrow(/non-numeric/);
    expect(() => parseCsv('a,b', { labelColumn: 'b' })).toThrow(/at least one data row/);
  });
});

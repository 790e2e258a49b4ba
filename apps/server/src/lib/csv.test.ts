import { describe, expect, it } from 'vitest';
import { csvLine, csvNumber, csvText } from './csv.js';

describe('CSV cells', () => {
  it('defuses text a spreadsheet would run as a formula', () => {
    for (const formula of ['=1+1', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
      expect(csvText(formula).replace(/^"/, '')).toMatch(/^'/);
    }
    expect(csvText('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
  });

  it('leaves plain text alone and quotes separators', () => {
    expect(csvText('room-1')).toBe('room-1');
    expect(csvText('2026-01-01T00:00:00.000Z')).toBe('2026-01-01T00:00:00.000Z');
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('say "hi"')).toBe('"say ""hi"""');
    expect(csvText('two\nlines')).toBe('"two\nlines"');
  });

  it('writes numbers as numbers, negative ones included', () => {
    expect(csvNumber(-12.346)).toBe('-12.35');
    expect(csvNumber(70)).toBe('70');
    expect(csvLine([csvText('-x'), csvNumber(-1)])).toBe("'-x,-1\n");
  });
});

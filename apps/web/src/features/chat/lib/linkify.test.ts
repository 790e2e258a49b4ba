import { describe, expect, it } from 'vitest';
import { linkify } from './linkify';

function links(text: string): string[] {
  return linkify(text).flatMap((part) => (part.kind === 'link' ? [part.text] : []));
}

describe('linkify', () => {
  it('keeps plain text as one text part', () => {
    expect(linkify('hello <b>world</b>')).toEqual([{ kind: 'text', text: 'hello <b>world</b>' }]);
    expect(linkify('')).toEqual([]);
  });

  it('splits text around http and https links', () => {
    expect(linkify('see https://example.com/a?b=1 and http://x.org now')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'http://x.org', href: 'http://x.org/' },
      { kind: 'text', text: ' now' },
    ]);
  });

  it('leaves sentence punctuation out of the link', () => {
    expect(links('Go to https://example.com.')).toEqual(['https://example.com']);
    expect(links('https://a.io/x, https://b.io/y! https://c.io?')).toEqual([
      'https://a.io/x',
      'https://b.io/y',
      'https://c.io',
    ]);
    expect(links('"https://example.com/q"')).toEqual(['https://example.com/q']);
  });

  it('drops a closing bracket the link did not open', () => {
    expect(links('(see https://example.com/docs)')).toEqual(['https://example.com/docs']);
    expect(links('https://en.wikipedia.org/wiki/Tea_(drink)')).toEqual(['https://en.wikipedia.org/wiki/Tea_(drink)']);
    expect(links('(https://en.wikipedia.org/wiki/Tea_(drink)).')).toEqual([
      'https://en.wikipedia.org/wiki/Tea_(drink)',
    ]);
  });

  it('never links other schemes', () => {
    expect(links('javascript:alert(1)')).toEqual([]);
    expect(links('JAVASCRIPT://example.com/%0Aalert(1)')).toEqual([]);
    expect(links('data:text/html,<script>alert(1)</script>')).toEqual([]);
    expect(links('ftp://example.com xhttp://example.com')).toEqual([]);
  });

  it('never produces a javascript: href, even around embedded URLs', () => {
    for (const part of linkify('javascript:fetch("http://evil.example")//https://ok.example')) {
      if (part.kind === 'link') expect(part.href).toMatch(/^https?:\/\//);
    }
  });

  it('skips candidates that are not URLs', () => {
    expect(linkify('http:// nothing')).toEqual([{ kind: 'text', text: 'http:// nothing' }]);
    expect(links('https://...')).toEqual([]);
  });

  it('accepts an upper-case scheme and keeps the text as written', () => {
    expect(linkify('HTTPS://Example.com/Path')).toEqual([
      { kind: 'link', text: 'HTTPS://Example.com/Path', href: 'https://example.com/Path' },
    ]);
  });

  it('keeps newlines in the text parts', () => {
    expect(linkify('one\nhttps://a.io\ntwo')).toEqual([
      { kind: 'text', text: 'one\n' },
      { kind: 'link', text: 'https://a.io', href: 'https://a.io/' },
      { kind: 'text', text: '\ntwo' },
    ]);
  });

  it('trims 10,000 trailing punctuation marks or unopened brackets in linear time', () => {
    for (const tail of ['.', ')', '?!', ')]}.']) {
      const text = `see https://example.com/a${tail.repeat(10_000 / tail.length)}`;
      const started = performance.now();
      expect(links(text)).toEqual(['https://example.com/a']);
      // Quadratic trimming took seconds here; linear is a few milliseconds.
      expect(performance.now() - started).toBeLessThan(100);
    }
    const opened = `https://example.com/${'('.repeat(5000)}${')'.repeat(5000)}.`;
    expect(links(opened)).toEqual([opened.slice(0, -1)]);
  });
});

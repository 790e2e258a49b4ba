export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// Starts at a word boundary, so "xhttp://" or "javascript:…" never begin a link.
const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?'*]$/;
const CLOSERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/**
 * Splits message text into plain parts and http(s) links, for rendering as React text nodes and
 * anchors. Punctuation that ends a sentence is left out of the link, and a closing bracket only
 * stays when the link opened it, as in "https://en.wikipedia.org/wiki/Tea_(drink)".
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let cursor = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const candidate = trimTrailing(match[0]);
    const href = safeHref(candidate);
    if (href === null) continue;
    if (match.index > cursor) parts.push({ kind: 'text', text: text.slice(cursor, match.index) });
    parts.push({ kind: 'link', text: candidate, href });
    cursor = match.index + candidate.length;
  }
  if (cursor < text.length) parts.push({ kind: 'text', text: text.slice(cursor) });
  return parts;
}

function trimTrailing(url: string): string {
  let result = url;
  for (;;) {
    const last = result.at(-1) ?? '';
    if (TRAILING_PUNCTUATION.test(last)) {
      result = result.slice(0, -1);
      continue;
    }
    const opener = CLOSERS[last];
    if (opener !== undefined && count(result, opener) < count(result, last)) {
      result = result.slice(0, -1);
      continue;
    }
    return result;
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** The link target, or null unless it parses as an http(s) URL with a host. */
function safeHref(candidate: string): string | null {
  if (!URL.canParse(candidate)) return null;
  const url = new URL(candidate);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null;
  return url.href;
}

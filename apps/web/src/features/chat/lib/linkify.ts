export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// Starts at a word boundary, so "xhttp://" or "javascript:…" never begin a link.
const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING_PUNCTUATION = new Set(['.', ',', ';', ':', '!', '?', "'", '*']);
const CLOSERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };
const BRACKETS = new Set(['(', ')', '[', ']', '{', '}']);

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

/**
 * The URL without what ends the sentence around it. One pass to count the brackets, one back from the
 * end: linear, however much punctuation trails (trimming a character at a time, counting again each
 * time, was quadratic).
 */
function trimTrailing(url: string): string {
  const brackets = new Map<string, number>();
  for (let i = 0; i < url.length; i += 1) {
    const char = url[i] as string;
    if (BRACKETS.has(char)) brackets.set(char, (brackets.get(char) ?? 0) + 1);
  }
  let end = url.length;
  while (end > 0) {
    const last = url[end - 1] as string;
    const opener = CLOSERS[last];
    if (TRAILING_PUNCTUATION.has(last)) {
      end -= 1;
    } else if (opener !== undefined && (brackets.get(opener) ?? 0) < (brackets.get(last) ?? 0)) {
      brackets.set(last, (brackets.get(last) ?? 0) - 1);
      end -= 1;
    } else {
      break;
    }
  }
  return url.slice(0, end);
}

/** The link target, or null unless it parses as an http(s) URL with a host. */
function safeHref(candidate: string): string | null {
  if (!URL.canParse(candidate)) return null;
  const url = new URL(candidate);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null;
  return url.href;
}

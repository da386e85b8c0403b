import he from 'he';
import { convert, type HtmlToTextOptions } from 'html-to-text';

// Headings and table headers would be upper-cased by default; the text models lower-case themselves
// and upper-casing loses accents' case information for nothing. Links keep their text, not the URL.
const HTML_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
  ],
};

const TAG_PATTERN = /<\/?[a-z][^>]*>/i;
const ENTITY_PATTERN = /&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i;
// Seller text is sometimes escaped twice (`&amp;eacute;`); three passes undo any realistic nesting.
const MAX_DECODE_PASSES = 3;

function decodeEntities(text: string): string {
  let current = text;
  for (let pass = 0; pass < MAX_DECODE_PASSES && ENTITY_PATTERN.test(current); pass++) {
    const decoded = he.decode(current);
    if (decoded === current) break;
    current = decoded;
  }
  return current;
}

/**
 * One seller string to plain text: HTML to text, entities decoded (also double-encoded ones),
 * Unicode NFC, control characters dropped, runs of whitespace (incl. no-break spaces) to one space.
 */
export function cleanText(raw: string | null | undefined): string {
  if (!raw) return '';
  // Decode first so HTML that arrives escaped (`&lt;br&gt;`) is still seen as tags.
  let text = decodeEntities(raw);
  if (TAG_PATTERN.test(text)) text = decodeEntities(convert(text, HTML_OPTIONS));
  return (
    text
      .normalize('NFC')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200d\ufeff]/g, '')
      .replace(/\s+/gu, ' ')
      .trim()
  );
}

/**
 * The single text field the models read: cleaned title, then cleaned description, separated by " . "
 * only when both exist, so a title-only product reads exactly as its title.
 */
export function joinProductText(designation: string | null, description: string | null): string {
  const title = cleanText(designation);
  const body = cleanText(description);
  if (!body) return title;
  if (!title) return body;
  return `${title} . ${body}`;
}

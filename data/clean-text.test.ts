import { describe, expect, it } from 'vitest';
import { cleanText, joinProductText } from './clean-text.js';

// Real rows of X_train.csv (shared sample), copied byte for byte.
const FIGURINE_HTML =
  '<p>- Figurine Disney - Alice Classic Color Sweetiny <br />- Matière PVC<br />- Vendu sous boite carton<br />- Taille 10cm</p>';
const TUQUES_ENTITIES =
  "Luc a des id&eacute;es de grandeur. Il veut organiser un jeu de guerre de boules de neige et s'arranger pour en &ecirc;tre le vainqueur incontest&eacute;.";
const VANNE_NUMERIC =
  '<p>Vanne d&#39;arrêt 1/4 de tour &#43; 1 embout cannelé Ø 32/38 mm pour ensemble de filtration</p>';
const LOT_TITLE = 'Lot Be416 - 20 Marque-Pages (Personnages D&#39;Antan)';
const TWININGS_ONLY_BR = '<br />';

describe('cleanText', () => {
  it('strips nested HTML and keeps the words in order', () => {
    expect(cleanText(FIGURINE_HTML)).toBe(
      '- Figurine Disney - Alice Classic Color Sweetiny - Matière PVC - Vendu sous boite carton - Taille 10cm',
    );
  });

  it('decodes named and numeric entities', () => {
    expect(cleanText(TUQUES_ENTITIES)).toContain('Luc a des idées de grandeur');
    expect(cleanText(TUQUES_ENTITIES)).toContain('en être le vainqueur incontesté.');
    expect(cleanText(VANNE_NUMERIC)).toBe(
      "Vanne d'arrêt 1/4 de tour + 1 embout cannelé Ø 32/38 mm pour ensemble de filtration",
    );
    expect(cleanText(LOT_TITLE)).toBe("Lot Be416 - 20 Marque-Pages (Personnages D'Antan)");
  });

  it('decodes double-encoded entities', () => {
    expect(cleanText('id&amp;eacute;es &amp;amp; co')).toBe('idées & co');
  });

  it('reads HTML that arrives escaped as markup', () => {
    expect(cleanText('un&lt;br&gt;deux')).toBe('un deux');
  });

  it('turns a description of only markup into an empty string', () => {
    expect(cleanText(TWININGS_ONLY_BR)).toBe('');
    expect(cleanText(null)).toBe('');
  });

  it('normalises to NFC and collapses whitespace incl. no-break spaces and tabs', () => {
    const decomposed = 'Cafe\u0301\u00a0 \t noir\n';
    const cleaned = cleanText(decomposed);
    expect(cleaned).toBe('Café noir');
    expect(cleaned.normalize('NFC')).toBe(cleaned);
    expect(cleaned).toHaveLength(9);
  });

  it('does not upper-case headings', () => {
    expect(cleanText('<h2>Caractéristiques</h2><p>Bleu</p>')).toBe('Caractéristiques Bleu');
  });
});

describe('joinProductText', () => {
  it('joins title and description with one separator', () => {
    expect(joinProductText('La Guerre Des Tuques', TUQUES_ENTITIES)).toMatch(
      /^La Guerre Des Tuques \. Luc a des idées/,
    );
  });

  it('reads a title-only product as its title', () => {
    expect(
      joinProductText('Twinings Gunpowder Thé Vert Menthe - Vrac/Boite Métal 200g', TWININGS_ONLY_BR),
    ).toBe('Twinings Gunpowder Thé Vert Menthe - Vrac/Boite Métal 200g');
  });
});

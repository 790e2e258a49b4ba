import unhomoglyph from 'unhomoglyph';

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * The UTS #39 skeleton: NFD, default-ignorable characters dropped, each character replaced by its
 * prototype from Unicode's confusables.txt (`unhomoglyph`), NFD again. Two strings that look alike
 * ("Аna" with a Cyrillic А, "Ana") have the same skeleton. Not for display: "m" becomes "rn".
 */
export function skeleton(text: string): string {
  return unhomoglyph(text.normalize('NFD').replace(DEFAULT_IGNORABLE, '')).normalize('NFD');
}

/**
 * The key names are unique by within a space: names collide when they look alike, whatever their case,
 * width or script ("Ana" = "ANA" = "Ａｎａ" = "Аna"). The skeleton of the upper-cased name comes first so a capital look-alike
 * meets its Latin capital (Cyrillic "К" → "K" → "k"), then again after lower-casing so a prototype that
 * is a capital (zero → "O") meets the lower-case letter ("B0b" = "Bob").
 */
export function nameKey(name: string): string {
  // Upper-cased first, so case variants are one string before anything else ("AADMIN" = "Aadmin": the
  // skeleton maps a capital I to l but leaves a small i, so lower-casing afterwards would split them).
  return skeleton(skeleton(name.normalize('NFKC').toLocaleUpperCase('en')).toLocaleLowerCase('en'));
}

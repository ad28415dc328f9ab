/**
 * Strings in the order of their UTF-8 bytes, without encoding them: UTF-16 code units already sort
 * like UTF-8 bytes, except that surrogates (code points above U+FFFF, four UTF-8 bytes) must rank
 * above U+E000–U+FFFF. With `slashFirst`, '/' ranks below every other character, which is path
 * order: 'a' < 'a/b' < 'a-b' — a folder's contents right after it (manifests, tree diffs).
 */
export function compareUtf8(a: string, b: string, slashFirst = false): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x, slashFirst) - rank(y, slashFirst);
  }
  return a.length - b.length;
}

function rank(unit: number, slashFirst: boolean): number {
  if (slashFirst && unit === 0x2f) return -1;
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x10000 : unit;
}

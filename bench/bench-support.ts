/** Shared by the benchmarks: command-line options (`--name value`, `--flag`), paths, timing and number formats. */

export const argText = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

export const arg = (name: string, fallback: number): number => {
  const text = argText(name);
  return text === undefined ? fallback : Number(text);
};

export const flag = (name: string): boolean => process.argv.includes(`--${name}`);

/** The repository folder, and a module of the build (dist/) as an import URL. */
export const repo = new URL('..', import.meta.url).pathname;
export const dist = (path: string): string => new URL(`../dist/${path}`, import.meta.url).href;

export const seconds = (t0: number): number => (performance.now() - t0) / 1000;
export const fmt = (n: number, digits = 0): string => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

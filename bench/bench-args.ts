/** Command-line options of a benchmark: `--name value` and `--flag`. */

export const argText = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

export const arg = (name: string, fallback: number): number => {
  const text = argText(name);
  return text === undefined ? fallback : Number(text);
};

export const flag = (name: string): boolean => process.argv.includes(`--${name}`);

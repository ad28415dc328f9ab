import { type Node as JsonNode, type ParseError, findNodeAtLocation, parseTree, printParseErrorCode } from 'jsonc-parser';
import { LineCounter, isNode, parseDocument } from 'yaml';
import { type InputProblem, InvalidInputError } from './errors.js';

/**
 * A parsed YAML or JSON document that remembers where each value came from, so that a validation
 * problem found later (by zod or by reference checks) can name the line of the offending value.
 */
export type PathSegment = string | number;

export interface StructuredSource {
  readonly file: string;
  readonly value: unknown;
  /** 1-based line of the value at `path`, or of its nearest existing ancestor. */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

export function parseYamlSource(file: string, text: string): StructuredSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    const problems: InputProblem[] = document.errors.map((error) => ({
      location: { file, line: error.linePos?.[0]?.line, column: error.linePos?.[0]?.col },
      reason: `YAML syntax: ${firstLine(error.message).replace(/ at line \d+, column \d+:?$/, '')}`,
    }));
    throw new InvalidInputError(`${file}: not valid YAML`, problems);
  }
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  return {
    file,
    value,
    lineOf(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

export function parseJsonSource(file: string, text: string): StructuredSource {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const starts = lineStarts(text);
  if (errors.length > 0 || root === undefined) {
    const problems: InputProblem[] = errors.map((error) => ({
      location: { file, ...positionOf(starts, error.offset) },
      reason: `JSON syntax: ${printParseErrorCode(error.error)}`,
    }));
    if (problems.length === 0) problems.push({ location: { file }, reason: 'JSON syntax: empty document' });
    throw new InvalidInputError(`${file}: not valid JSON`, problems);
  }
  return {
    file,
    value: nodeValue(root),
    lineOf(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        const node = findNodeAtLocation(root, path.slice(0, depth));
        if (node) return positionOf(starts, node.offset).line;
      }
      return undefined;
    },
  };
}

/** Builds the value from the tree; with duplicate keys the last one wins, as in JSON.parse. */
function nodeValue(node: JsonNode): unknown {
  switch (node.type) {
    case 'object': {
      const result: Record<string, unknown> = {};
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key && value) Object.defineProperty(result, String(key.value), { value: nodeValue(value), enumerable: true, writable: true, configurable: true });
      }
      return result;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function positionOf(starts: readonly number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

import { describe, expect, it } from 'vitest';
import { ConditionError, type ConditionNode, matchesPattern, parseCondition, resolveCondition, selectIdentifiers } from './sigma-condition.js';

/** Compact rendering so expectations read like the condition itself. */
function show(node: ConditionNode): string {
  switch (node.kind) {
    case 'identifier':
      return node.name;
    case 'not':
      return `not(${show(node.operand)})`;
    case 'selector':
      return `${node.quantifier}-of(${node.pattern})`;
    default:
      return `${node.kind}(${node.operands.map(show).join(', ')})`;
  }
}

function errorOf(run: () => unknown): ConditionError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConditionError) return error;
    throw error;
  }
  throw new Error('expected a ConditionError');
}

describe('parseCondition', () => {
  it('binds not tighter than and, and tighter than or', () => {
    expect(show(parseCondition('a or b and not c'))).toBe('or(a, and(b, not(c)))');
    expect(show(parseCondition('not a and b or c'))).toBe('or(and(not(a), b), c)');
  });

  it('flattens chains of the same operator', () => {
    expect(show(parseCondition('a and b and c or d or e'))).toBe('or(and(a, b, c), d, e)');
  });

  it('lets parentheses override precedence', () => {
    expect(show(parseCondition('a and (b or c)'))).toBe('and(a, or(b, c))');
    expect(show(parseCondition('not (a or b)'))).toBe('not(or(a, b))');
    expect(show(parseCondition('((a))'))).toBe('a');
  });

  it('parses selectors: 1 of, any of, all of, them', () => {
    expect(show(parseCondition('1 of sel*'))).toBe('any-of(sel*)');
    expect(show(parseCondition('any of sel*'))).toBe('any-of(sel*)');
    expect(show(parseCondition('all of them'))).toBe('all-of(them)');
    expect(show(parseCondition('selection and not 1 of filter_main_*'))).toBe('and(selection, not(any-of(filter_main_*)))');
  });

  it('accepts keywords in any case and identifiers with dots and dashes', () => {
    expect(show(parseCondition('A AND NOT b.c-d'))).toBe('and(A, not(b.c-d))');
  });

  it('names the column of the bad token', () => {
    expect(errorOf(() => parseCondition('selection and')).column).toBe(14);
    expect(errorOf(() => parseCondition('selection filter')).column).toBe(11);
    expect(errorOf(() => parseCondition('(a or b')).reason).toMatch(/expected "\)"/);
    expect(errorOf(() => parseCondition('a or b)')).column).toBe(7);
    expect(errorOf(() => parseCondition('a & b')).column).toBe(3);
    expect(errorOf(() => parseCondition('2 of sel*')).reason).toMatch(/only "1 of"/);
    expect(errorOf(() => parseCondition('sel* and b')).reason).toMatch(/only allowed after/);
    expect(errorOf(() => parseCondition('1 of and')).column).toBe(6);
  });

  it('rejects Sigma v1 pipe aggregations with a pointer to correlations', () => {
    const error = errorOf(() => parseCondition('selection | count() by host > 5'));
    expect(error.column).toBe(11);
    expect(error.reason).toMatch(/correlation/);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    const deep = `${'('.repeat(10_000)}a${')'.repeat(10_000)}`;
    expect(errorOf(() => parseCondition(deep)).reason).toMatch(/nested more than/);
    expect(errorOf(() => parseCondition(`${'not '.repeat(10_000)}a`)).reason).toMatch(/nested more than/);
  });
});

describe('selectors', () => {
  it('match whole names with * anywhere, without implicit prefix', () => {
    expect(matchesPattern('sel*', 'selection')).toBe(true);
    expect(matchesPattern('selection', 'selection_extra')).toBe(false);
    expect(matchesPattern('*_main_*', 'filter_main_x')).toBe(true);
    expect(matchesPattern('a*b*c', 'abc')).toBe(true);
    expect(matchesPattern('a*b*c', 'acb')).toBe(false);
    expect(matchesPattern('ab*ba', 'aba')).toBe(false);
  });

  it('them and ordinary patterns skip identifiers starting with _', () => {
    const ids = ['sel1', 'sel2', '_sel3', '_hidden'];
    expect(selectIdentifiers('them', ids)).toEqual(['sel1', 'sel2']);
    expect(selectIdentifiers('*', ids)).toEqual(['sel1', 'sel2']);
    expect(selectIdentifiers('_*', ids)).toEqual(['_sel3', '_hidden']);
  });
});

describe('resolveCondition', () => {
  const ids = ['selection', 'selection_extra', 'filter_main_a', 'filter_main_b', '_x'];

  it('expands 1 of / all of into or / and of the matched identifiers', () => {
    expect(show(resolveCondition(parseCondition('all of selection* and not 1 of filter_main_*'), ids))).toBe(
      'and(and(selection, selection_extra), not(or(filter_main_a, filter_main_b)))',
    );
    expect(show(resolveCondition(parseCondition('all of them'), ids))).toBe('and(selection, selection_extra, filter_main_a, filter_main_b)');
    expect(show(resolveCondition(parseCondition('1 of selection'), ids))).toBe('selection');
  });

  it('names an undefined identifier and suggests the near miss', () => {
    const error = errorOf(() => resolveCondition(parseCondition('selction and not filter_main_a'), ids));
    expect(error.reason).toBe('references undefined search identifier "selction" (did you mean "selection"?)');
    expect(error.column).toBe(1);
  });

  it('rejects a selector matching nothing, naming it', () => {
    const error = errorOf(() => resolveCondition(parseCondition('selection and not 1 of filter_optional_*'), ids));
    expect(error.reason).toBe('"1 of filter_optional_*" matches no search identifier');
    expect(error.column).toBe(19);
  });
});

// The registry of term kinds (src/terms/kinds.ts): one entry per kind, read by the checks, the names,
// the noise and the shorthand's conversion; one shape of a weighted term from configuration on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TERM_KINDS, TERM_KIND_NAMES } from '../../src/terms/kinds.js';
import { isStepTerm, termName, termRole, termsNeedNoise, type TermConfig } from '../../src/terms/terms.js';
import { regularizerTerms, resolveTerms } from '../../src/terms/regularizers.js';
import { ArgumentError } from '../../src/errors.js';

const ONE_OF_EACH: TermConfig[] = [
  { kind: 'taylor', order: 2 },
  { kind: 'kinetic' },
  { kind: 'jacobianFrobenius' },
  { kind: 'logDensity', estimator: 'exact' },
  { kind: 'errorEstimate' },
  { kind: 'stiffness' },
];

test('every kind is one entry, keyed by its kind, with the parts its role needs', () => {
  assert.equal(
    TERM_KIND_NAMES,
    ONE_OF_EACH.map((t) => t.kind),
  );
  for (const term of ONE_OF_EACH) {
    const rule = TERM_KINDS[term.kind];
    assert.is(rule.kind, term.kind);
    assert.is(
      rule.integrand !== undefined,
      termRole(term) === 'regulariser',
      `${term.kind}: an integrand exactly when a regulariser`,
    );
    // (R_K has both: integrated at the stages by default, a step term with a per-step estimator)
    assert.is(
      rule.step !== undefined,
      termRole(term) === 'step' || term.kind === 'taylor',
      `${term.kind}: a step rule exactly when a step term`,
    );
  }
  assert.equal(
    ONE_OF_EACH.filter(isStepTerm).map((t) => t.kind),
    ['errorEstimate', 'stiffness'],
  );
  assert.equal(termRole({ kind: 'taylor', order: 3, estimator: 'stages' }), 'regulariser');
  assert.equal(termRole({ kind: 'taylor', order: 3, estimator: 'stepRandom' }), 'step');
  assert.equal(termRole({ kind: 'taylor', order: 3, estimator: 'stepStart' }), 'step');
  assert.equal(
    ONE_OF_EACH.filter((t) => t.kind !== 'logDensity').map((t) =>
      termName(t as Exclude<TermConfig, { kind: 'logDensity' }>),
    ),
    ['r2', 'kinetic', 'jacobian', 'errorEstimate', 'stiffness'],
  );
});

test("noise is drawn for the Jacobian term, the Hutchinson trace and R_K's stepRandom only", () => {
  assert.is(
    termsNeedNoise([
      { kind: 'taylor', order: 3 },
      { kind: 'kinetic' },
      { kind: 'logDensity', estimator: 'exact' },
      { kind: 'stiffness' },
    ]),
    false,
  );
  assert.is(termsNeedNoise([{ kind: 'jacobianFrobenius' }]), true);
  assert.is(termsNeedNoise([{ kind: 'logDensity', estimator: 'hutchinson' }]), true);
  // R_K's stepRandom draws one time per accepted step; the other estimators draw nothing.
  assert.is(termsNeedNoise([{ kind: 'taylor', order: 3, estimator: 'stepRandom' }]), true);
  assert.is(
    termsNeedNoise([
      { kind: 'taylor', order: 3, estimator: 'stepStart' },
      { kind: 'taylor', order: 2, estimator: 'stages' },
    ]),
    false,
  );
});

test('resolveTerms: a list checked as it is, the regularizers shorthand converted, each refused by name', () => {
  const list: TermConfig[] = [{ kind: 'kinetic', lambda: 0.5 }];
  assert.is(resolveTerms(list), list);
  assert.equal(resolveTerms({ order: 3, lambda: 0.1, jacobian: 0.2 }), [
    { kind: 'taylor', order: 3, lambda: 0.1 },
    { kind: 'jacobianFrobenius', lambda: 0.2, noise: 'rademacher' },
  ]);
  assert.equal(resolveTerms({}), []);
  assert.throws(
    () => resolveTerms({ order: 2, lamda: 1 } as never),
    (e: Error) => e instanceof ArgumentError && /^regularizers\.lamda/.test(e.message),
  );
  assert.throws(
    () => resolveTerms([{ kind: 'kinetic', lamda: 1 }] as never, 'blocks[0].terms'),
    (e: Error) => e instanceof ArgumentError && /^blocks\[0\]\.terms\[0\]\.lamda: expected no such key/.test(e.message),
  );
});

test('a weighted term is its configuration with λ resolved and its result name', () => {
  assert.equal(regularizerTerms({ order: 2, kinetic: 0.3 }), [
    { kind: 'taylor', order: 2, lambda: 0, name: 'r2' },
    { kind: 'kinetic', lambda: 0.3, name: 'kinetic' },
  ]);
});

test.run();

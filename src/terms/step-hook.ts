// The replay's hook for the terms summed over the accepted steps (the step terms, R_K's per-step
// estimators): each term's rule is its kind's entry in TERM_KINDS (so this file, not the rules', reads
// the registry). Per step, each rule gets fresh views of the step's buffers: a rule that evaluates the
// vector field may grow the arena's memory, which stales every view made before it.
import { ArgumentError } from '../errors.js';
import type { ButcherTableau } from '../ode/tableaus.js';
import { TERM_KINDS } from './kinds.js';
import type {
  StepBuffers,
  StepTermContext,
  StepTermRule,
  StepTermSpec,
  StepTermsHook,
  StepView,
} from './step-terms.js';
import type { StepTermConfig } from './terms.js';

function ruleOf(term: StepTermConfig): StepTermRule {
  const rule = TERM_KINDS[term.kind].step as StepTermRule | undefined;
  if (!rule) throw new Error(`internal: the ${term.kind} term has no per-step rule`);
  return rule;
}

/**
 * Refuses a solver the terms cannot be computed from: a fixed grid (`steps`, solver.steps) for a term
 * that reads the error estimate, or the method (a tableau the rule cannot work with).
 */
export function checkStepTermsSolver(terms: readonly StepTermConfig[], tableau: ButcherTableau, steps?: number): void {
  for (const term of terms) {
    const rule = ruleOf(term);
    if (steps !== undefined && rule.adaptiveOnly)
      throw new ArgumentError(
        'solver.steps',
        `no fixed grid with a ${term.kind} term (it needs the adaptive solver's error estimate)`,
        steps,
      );
    rule.checkTableau(term, tableau, 'solver.method');
  }
}

/** The hook for `terms`: the stages they read, and per step their values, their cotangents added. */
export function stepTermsHook(terms: readonly StepTermSpec[], context: StepTermContext): StepTermsHook {
  const { tableau, rt, components } = context;
  for (const spec of terms) ruleOf(spec.term).checkTableau(spec.term, tableau, 'solver.method');
  const stages = new Array<boolean>(tableau.stages).fill(false);
  for (const spec of terms) ruleOf(spec.term).markStages(spec.term, tableau, stages);
  const view = (at: StepBuffers): StepView => {
    const of = (p: number) => rt.arena.view(p, components);
    const maybe = (p: number | undefined) => (p === undefined ? undefined : of(p));
    return {
      index: at.index,
      t: at.t,
      h: at.h,
      y0: of(at.y0),
      k: at.k.map(maybe),
      kbar: at.kbar.map(maybe),
      y0bar: of(at.y0bar),
      at,
    };
  };
  return {
    stages,
    step: (at) => terms.map((spec) => ruleOf(spec.term).step(view(at), spec, context)),
  };
}

// The shared --gradient / estimator options: choices come from the library, a default is optional, and a
// wrong value is refused naming the flag and the allowed choices.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Command } from 'commander';
import { GRADIENT_METHODS, TAYLOR_ESTIMATORS } from '../../src/index.js';
import { estimatorOption, gradientOption } from '../../packages/cli/src/method-options.js';

/** Parses `args` against one command holding `options`; its options, or commander's error text. */
function parse(options: ReturnType<typeof gradientOption>[], args: string[]): Record<string, unknown> | string {
  let stderr = '';
  const command = new Command('c').exitOverride().configureOutput({
    writeErr: (s) => {
      stderr += s;
    },
  });
  for (const o of options) command.addOption(o);
  try {
    command.parse(args, { from: 'user' });
    return command.opts();
  } catch {
    return stderr;
  }
}

test('the choices are the library’s, and a default is kept only when given', () => {
  assert.equal(gradientOption('d').argChoices, [...GRADIENT_METHODS]);
  assert.equal(estimatorOption('--estimator <e>', 'd').argChoices, [...TAYLOR_ESTIMATORS]);
  assert.equal(parse([gradientOption('d'), estimatorOption('--estimator <e>', 'd')], []), {});
  assert.equal(
    parse([gradientOption('d', 'backprop'), estimatorOption('--taylor-estimator <k>', 'd', 'stepRandom')], []),
    {
      gradient: 'backprop',
      taylorEstimator: 'stepRandom',
    },
  );
  assert.equal(parse([gradientOption('d', 'backprop')], ['--gradient', 'adjoint']), { gradient: 'adjoint' });
});

test('a value outside the choices is refused, naming the flag and what is allowed', () => {
  const gradient = parse([gradientOption('d')], ['--gradient', 'reverse']);
  assert.match(
    String(gradient),
    /--gradient <method>' argument 'reverse' is invalid. Allowed choices are checkpoint, adjoint, backprop/,
  );
  const estimator = parse([estimatorOption('--estimator <e>', 'd')], ['--estimator', 'exact']);
  assert.match(
    String(estimator),
    /--estimator <e>' argument 'exact' is invalid. Allowed choices are stages, stepRandom, stepStart/,
  );
});

test.run();

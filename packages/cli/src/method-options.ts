// The training commands' --gradient and R_K-estimator options: the flag and its choices are defined
// once here; each command says in its own words what the choice governs, and gives its default.
import { Option } from 'commander';
import { GRADIENT_METHODS, TAYLOR_ESTIMATORS, type GradientMethod, type TaylorEstimator } from 'taynode';

/** `--gradient <method>`; without `defaultMethod` the option stays undefined unless given. */
export function gradientOption(description: string, defaultMethod?: GradientMethod): Option {
  const option = new Option('--gradient <method>', description).choices(GRADIENT_METHODS);
  return defaultMethod === undefined ? option : option.default(defaultMethod);
}

/**
 * The R_K estimator's option, under `flag` (the MNIST commands say `--estimator <e>`, `cnf` says
 * `--taylor-estimator <kind>`); without `defaultEstimator` it stays undefined unless given.
 */
export function estimatorOption(flag: string, description: string, defaultEstimator?: TaylorEstimator): Option {
  const option = new Option(flag, description).choices(TAYLOR_ESTIMATORS);
  return defaultEstimator === undefined ? option : option.default(defaultEstimator);
}

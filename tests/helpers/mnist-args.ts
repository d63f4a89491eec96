// The `taynode mnist` flags of a tiny end-to-end run (seconds): 200 digits, small batches and
// evaluations, one λ. Tests override what they check (`{ iterations: '2', 'ref-tol': '1e-7' }`).
const TINY: Record<string, string> = {
  digits: '200',
  'batch-size': '20',
  lambdas: '0.5',
  'train-tol': '1e-4',
  'eval-tol': '1e-5',
  'nfe-batch': '40',
  'eval-train': '40',
  'per-example': '1',
  'curve-points': '1',
  'rk-images': '5',
  'error-tols': '1e-3',
  'ref-tol': '1e-6',
  'error-images': '3',
};

/** `--name value` pairs of the tiny run with `overrides` (a value of null leaves that flag out). */
export function tinyMnistArgs(overrides: Record<string, string | null> = {}): string[] {
  const settings: Record<string, string | null> = { ...TINY, ...overrides };
  return Object.entries(settings).flatMap(([name, value]) => (value === null ? [] : [`--${name}`, value]));
}

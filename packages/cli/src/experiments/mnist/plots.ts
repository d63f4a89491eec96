// The MNIST figures as Vega-Lite specs (rendered to SVG by ../../plots.ts): Fig. 3 (NFE and training
// error against iteration, λ = 0 against the chosen λ), 5a (training loss against NFE over the λ sweep),
// 6 (orders K against solver orders), 7 (R_K against NFE), 8 (solver error against tolerance; train vs
// test NFE; test error against λ).
import type { VegaLiteSpec } from '../../plots.js';
import { labelLayers, paddedDomain, placeLabels } from '../../plot-labels.js';
import type { MnistRun } from './run.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const runName = (r: MnistRun) => (r.lambda === 0 ? 'λ = 0' : `λ = ${r.lambda}`);

/** Fig. 3: NFE (evalTol, nfeBatch training images) and training error at the checkpoints. */
export function fig3Spec(runs: MnistRun[], evalTol: number, order: number, images: number): VegaLiteSpec {
  const values = runs.flatMap((r) =>
    r.curve.map((c) => ({ run: runName(r), iteration: c.iteration, nfe: c.nfe, error: 100 * c.error })),
  );
  const panel = (field: string, title: string) => ({
    width: 320,
    height: 220,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'iteration' },
      y: { field, type: 'quantitative', title },
      color: { field: 'run', type: 'nominal', title: `R_${order} weight` },
      strokeDash: { field: 'run', type: 'nominal' },
    },
  });
  return {
    $schema: SCHEMA,
    title: `Fig. 3: NFE (dopri5, tol ${evalTol}, the first ${images} training images solved jointly) and their error during training`,
    data: { values },
    hconcat: [panel('nfe', 'NFE'), panel('error', 'training error (%)')],
  } as VegaLiteSpec;
}

/** Fig. 5a: final training loss against NFE over the λ sweep. */
export function fig5aSpec(runs: MnistRun[], evalTol: number): VegaLiteSpec {
  const width = 420,
    height = 280,
    fontSize = 11;
  const points = runs.map((r) => ({ lambda: r.lambda, label: runName(r), nfe: r.train.nfe, loss: r.train.loss }));
  const xDomain = paddedDomain(points.map((p) => p.nfe)),
    yDomain = paddedDomain(points.map((p) => p.loss));
  const places = placeLabels(
    points.map((p) => ({ x: p.nfe, y: p.loss, label: p.label })),
    { width, height, xDomain, yDomain, fontSize },
  );
  const values = points.map((p, i) => ({ ...p, place: places[i] ?? null }));
  const x = { field: 'nfe', type: 'quantitative', title: 'NFE', scale: { domain: xDomain, nice: false, zero: false } };
  const y = {
    field: 'loss',
    type: 'quantitative',
    title: 'training cross-entropy',
    scale: { domain: yDomain, nice: false, zero: false },
  };
  return {
    $schema: SCHEMA,
    title: `Fig. 5a: training loss against NFE (dopri5, tol ${evalTol}) over the λ sweep`,
    data: { values },
    width,
    height,
    layer: [
      { mark: { type: 'line', color: '#999' }, encoding: { x, y, order: { field: 'lambda' } } },
      {
        mark: { type: 'point', filled: true, size: 80 },
        encoding: { x, y, color: { field: 'label', type: 'nominal', title: 'λ', sort: { field: 'lambda' } } },
      },
      ...labelLayers(x, y, fontSize),
    ],
  } as VegaLiteSpec;
}

/** Fig. 7: R_K of each trained model against its NFE (log R_K). */
export function fig7Spec(
  points: { label: string; order: number; method: string; nfe: number; rK: number }[],
  evalTol: number,
): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: `Fig. 7: R_K against NFE (tol ${evalTol}) of the trained models`,
    data: { values: points },
    width: 420,
    height: 280,
    layer: [
      {
        mark: { type: 'point', filled: true, size: 80 },
        encoding: {
          x: { field: 'nfe', type: 'quantitative', title: 'NFE', scale: { zero: false } },
          y: { field: 'rK', type: 'quantitative', title: 'R_K (mean over features)', scale: { type: 'log' } },
          color: { field: 'order', type: 'nominal', title: 'K' },
          shape: { field: 'method', type: 'nominal', title: 'solver' },
        },
      },
      {
        mark: { type: 'text', dx: 8, align: 'left', fontSize: 10 },
        encoding: {
          x: { field: 'nfe', type: 'quantitative' },
          y: { field: 'rK', type: 'quantitative' },
          text: { field: 'label' },
        },
      },
    ],
  } as VegaLiteSpec;
}

/** Fig. 8: (a) solver error against tolerance, (b) train vs test NFE, (c) test error against λ. */
export function fig8Spec(runs: MnistRun[], unregAndChosen: MnistRun[], evalTol: number): VegaLiteSpec {
  const errors = unregAndChosen.flatMap((r) =>
    (r.solverErrors ?? []).map((e) => ({ run: runName(r), tol: e.tol, maxError: e.maxError, nfe: e.nfe })),
  );
  const tols = errors.map((e) => e.tol);
  const diagonal = tols.length
    ? [
        { tol: Math.min(...tols), y: Math.min(...tols) },
        { tol: Math.max(...tols), y: Math.max(...tols) },
      ]
    : [];
  const nfe = runs.map((r) => ({ label: runName(r), lambda: r.lambda, train: r.train.nfe, test: r.test.nfe }));
  const lo = Math.min(...nfe.flatMap((n) => [n.train, n.test])),
    hi = Math.max(...nfe.flatMap((n) => [n.train, n.test]));
  const errs = runs.map((r) => ({
    label: runName(r),
    lambda: r.lambda,
    lambdaAxis: r.lambda === 0 ? 'λ = 0' : String(r.lambda),
    error: 100 * r.test.error,
  }));
  return {
    $schema: SCHEMA,
    title: 'Fig. 8: is the solver made overconfident (a), does the speed-up carry to the test set (b), test error (c)',
    hconcat: [
      {
        title: '(a) dopri5 error at t = 1 against tolerance',
        width: 260,
        height: 220,
        layer: [
          {
            data: { values: diagonal },
            mark: { type: 'line', color: '#bbb', strokeDash: [4, 4] },
            encoding: {
              x: { field: 'tol', type: 'quantitative', scale: { type: 'log' } },
              y: { field: 'y', type: 'quantitative', scale: { type: 'log' } },
            },
          },
          {
            data: { values: errors },
            mark: { type: 'line', point: true },
            encoding: {
              x: {
                field: 'tol',
                type: 'quantitative',
                title: 'rtol = atol',
                scale: { type: 'log' },
                axis: { format: '.0e' },
              },
              y: {
                field: 'maxError',
                type: 'quantitative',
                title: 'max |z(1) − z_ref(1)|',
                scale: { type: 'log' },
                axis: { format: '.0e' },
              },
              color: { field: 'run', type: 'nominal', title: 'model' },
            },
          },
        ],
      },
      {
        title: `(b) NFE on train vs test batches (tol ${evalTol})`,
        width: 220,
        height: 220,
        layer: [
          {
            data: {
              values: [
                { x: lo, y: lo },
                { x: hi, y: hi },
              ],
            },
            mark: { type: 'line', color: '#bbb', strokeDash: [4, 4] },
            encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
          },
          {
            data: { values: nfe },
            mark: { type: 'point', filled: true, size: 80 },
            encoding: {
              x: { field: 'train', type: 'quantitative', title: 'train NFE', scale: { zero: false } },
              y: { field: 'test', type: 'quantitative', title: 'test NFE', scale: { zero: false } },
              color: { field: 'label', type: 'nominal', title: 'λ', sort: { field: 'lambda' } },
            },
          },
        ],
      },
      {
        title: '(c) test error against λ',
        width: 220,
        height: 220,
        data: { values: errs },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'lambdaAxis', type: 'ordinal', title: 'λ', sort: { field: 'lambda' } },
          y: { field: 'error', type: 'quantitative', title: 'test error (%)' },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as VegaLiteSpec;
}

/** Fig. 6: training loss against NFE for each solver (panel), regularising K = 2..5 (colour) or not. */
export function fig6Spec(
  points: { method: string; order: number | string; nfe: number; loss: number; error: number }[],
  tol: number,
): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: `Fig. 6: regularising R_K against the solver's order (NFE of each solver at tol ${tol})`,
    data: { values: points.map((p) => ({ ...p, K: String(p.order) })) },
    facet: { column: { field: 'method', type: 'nominal', title: 'solver' } },
    spec: {
      width: 200,
      height: 200,
      layer: [
        {
          mark: { type: 'point', filled: true, size: 90 },
          encoding: {
            x: { field: 'nfe', type: 'quantitative', title: 'NFE', scale: { zero: false } },
            y: { field: 'loss', type: 'quantitative', title: 'training cross-entropy', scale: { zero: false } },
            color: { field: 'K', type: 'nominal', title: 'regularised K' },
          },
        },
        {
          mark: { type: 'text', dx: 7, align: 'left', fontSize: 10 },
          encoding: {
            x: { field: 'nfe', type: 'quantitative' },
            y: { field: 'loss', type: 'quantitative' },
            text: { field: 'K' },
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as VegaLiteSpec;
}

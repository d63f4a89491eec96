// The latent experiment's figures as Vega-Lite specs (rendered to SVG by ../../plots.ts):
// Figure 4 (a 2-D slice of latent trajectories with dopri5's evaluation points, unregularised against
// regularised), Figure 5b (test loss against NFE over the λ sweep), and reconstructions of test series.
import type { VegaLiteSpec } from '../../plots.js';
import { makeBatch, type Window } from './batches.js';
import type { PeriodicSet } from './data.js';
import type { LatentOde } from './model.js';
import { posteriorMean, readOut } from './objective.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export interface LatentPanel {
  title: string;
  lines: { series: number; t: number; a: number; b: number }[];
  evaluations: { series: number; a: number; b: number }[];
  /** mean NFE of the series shown, each solved alone */
  nfe: number;
}

/**
 * Latent trajectories z(t) of test series (from their posterior means) in the plane of latent
 * dimensions `dims`, drawn finely (tolerance 1e-10), and every state where dopri5 at `tol` evaluated
 * the dynamics with each series solved alone.
 */
/**
 * `reported`: the NFE the command prints and the JSON holds (over its test series), put in the title so
 * the figure and the JSON agree; the dots are the evaluations of the series shown, whose mean NFE is
 * stated beside it.
 */
export function latentPanel(
  model: LatentOde,
  set: PeriodicSet,
  window: Window,
  series: number[],
  title: string,
  tol: number,
  reported?: { nfe: number; what: string },
  dims: [number, number] = [0, 1],
  samples = 121,
): LatentPanel {
  const L = model.arch.latent;
  const tMax = model.decoder.config.t1;
  const z0 = posteriorMean(model, makeBatch(set, window, series));
  const times = Array.from({ length: samples }, (_, i) => (tMax * i) / (samples - 1));
  const fine = model.decoder.predict(z0, { times, solver: { method: 'dopri5', rtol: 1e-10, atol: 1e-10 } }).zs;
  const k = series.length;
  const lines: LatentPanel['lines'] = [];
  times.forEach((t, m) => {
    for (let b = 0; b < k; b++)
      lines.push({ series: series[b], t, a: fine[(m * k + b) * L + dims[0]], b: fine[(m * k + b) * L + dims[1]] });
  });
  const evaluations: LatentPanel['evaluations'] = [];
  let nfe = 0;
  series.forEach((s, b) => {
    nfe += model.decoder.predict(z0.slice(b * L, (b + 1) * L), {
      solver: { method: 'dopri5', rtol: tol, atol: tol },
      onEvaluation: (_t, z) => {
        evaluations.push({ series: s, a: z[dims[0]], b: z[dims[1]] });
      },
    }).stats.nfe;
  });
  nfe /= k;
  const shown = `dots: the ${k} series shown, mean NFE ${nfe.toFixed(1)}`;
  const full = reported
    ? `${title}: mean NFE ${reported.nfe.toFixed(1)} per series over ${reported.what} (tol ${tol}); ${shown}`
    : `${title}: mean NFE ${nfe.toFixed(1)} per series (tol ${tol})`;
  return { title: full, lines, evaluations, nfe };
}

export function latentTrajectoriesSpec(panels: LatentPanel[], dims: [number, number] = [0, 1]): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: `Latent trajectories (dimensions ${dims[0]} and ${dims[1]}) of test series; dots: dopri5's evaluations`,
    hconcat: panels.map((p) => ({
      title: p.title,
      width: 380,
      height: 380,
      layer: [
        {
          data: { values: p.lines },
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: {
            x: { field: 'a', type: 'quantitative', title: `z${dims[0]}`, scale: { zero: false } },
            y: { field: 'b', type: 'quantitative', title: `z${dims[1]}`, scale: { zero: false } },
            order: { field: 't', type: 'quantitative' },
            color: { field: 'series', type: 'nominal', title: 'test series', legend: null },
            detail: { field: 'series', type: 'nominal' },
          },
        },
        {
          data: { values: p.evaluations },
          mark: { type: 'circle', size: 10, opacity: 0.8 },
          encoding: {
            x: { field: 'a', type: 'quantitative' },
            y: { field: 'b', type: 'quantitative' },
            color: { field: 'series', type: 'nominal', legend: null },
          },
        },
      ],
    })),
    config: { view: { stroke: null } },
  } as VegaLiteSpec;
}

export interface SweepPoint {
  label: string;
  lambda: number;
  /** K of the run's R_K (null: the unregularised run) */
  order: number | null;
  nfe: number;
  loss: number;
}

/**
 * Figure 5b: test loss against decoder NFE, one point per run, coloured and shaped by the order K; each
 * order's line starts at the unregularised run (λ = 0, every order's baseline) and follows λ.
 */
export function lossNfeSpec(points: SweepPoint[], dataset: string, tol: number): VegaLiteSpec {
  const group = (p: SweepPoint) => (p.order === null ? 'unregularised' : `R_${p.order}`);
  const orders = [...new Set(points.flatMap((p) => (p.order === null ? [] : [p.order])))].sort((a, b) => a - b);
  const unreg = points.filter((p) => p.order === null);
  const lines = orders.flatMap((K) =>
    [...unreg, ...points.filter((p) => p.order === K)].map((p) => ({ ...p, group: `R_${K}` })),
  );
  const groups = [...(unreg.length ? ['unregularised'] : []), ...orders.map((K) => `R_${K}`)];
  const color = { field: 'group', type: 'nominal', title: 'regulariser', sort: groups, scale: { domain: groups } };
  return {
    $schema: SCHEMA,
    title: `Latent ODE on the ${dataset} set: ${orders.map((K) => `R_${K}`).join(', ')} sweep (NFE per test series, dopri5 tol ${tol})`,
    width: 460,
    height: 320,
    layer: [
      {
        data: { values: lines },
        mark: { type: 'line', opacity: 0.6 },
        encoding: {
          x: { field: 'nfe', type: 'quantitative', title: 'decoder NFE per series', scale: { zero: false } },
          y: {
            field: 'loss',
            type: 'quantitative',
            title: 'test negative ELBO per observed point',
            scale: { zero: false },
          },
          order: { field: 'lambda', type: 'quantitative' },
          color,
        },
      },
      {
        data: { values: points.map((p) => ({ ...p, group: group(p) })) },
        layer: [
          {
            mark: { type: 'point', filled: true, size: 70 },
            encoding: {
              x: { field: 'nfe', type: 'quantitative' },
              y: { field: 'loss', type: 'quantitative' },
              color,
              shape: { field: 'group', type: 'nominal', sort: groups, scale: { domain: groups } },
            },
          },
          {
            mark: { type: 'text', dx: 8, dy: -8, align: 'left' },
            encoding: {
              x: { field: 'nfe', type: 'quantitative' },
              y: { field: 'loss', type: 'quantitative' },
              text: { field: 'label' },
            },
          },
        ],
      },
    ],
  } as VegaLiteSpec;
}

export interface ReconstructionRow {
  model: string;
  series: string;
  t: number;
  value: number;
  kind: 'prediction' | 'truth' | 'seen by the encoder' | 'scored';
}

/**
 * Each series' prediction over [0, tMax] from its posterior mean, with the noise-free curve, the points
 * the encoder read, and the points the loss scores (in extrapolation, the second half).
 */
export function reconstructionRows(
  model: LatentOde,
  name: string,
  set: PeriodicSet,
  window: Window,
  series: number[],
  samples = 151,
): ReconstructionRow[] {
  const tMax = set.settings.tMax;
  const points = set.times.length;
  const z0 = posteriorMean(model, makeBatch(set, window, series));
  const times = Array.from({ length: samples }, (_, i) => (tMax * i) / (samples - 1));
  const pred = readOut(model, model.decoder.predict(z0, { times }).zs);
  const k = series.length;
  const rows: ReconstructionRow[] = [];
  const encoderSet = new Set(window.encoder),
    lossSet = new Set(window.loss);
  series.forEach((s, b) => {
    const label = `series ${s}`;
    times.forEach((t, m) => rows.push({ model: name, series: label, t, value: pred[m * k + b], kind: 'prediction' }));
    for (let g = 0; g < points; g++) {
      rows.push({ model: name, series: label, t: set.times[g], value: set.clean[s * points + g], kind: 'truth' });
      if (set.mask[s * points + g] !== 1) continue;
      const value = set.values[s * points + g];
      if (encoderSet.has(g))
        rows.push({ model: name, series: label, t: set.times[g], value, kind: 'seen by the encoder' });
      if (lossSet.has(g) && !encoderSet.has(g))
        rows.push({ model: name, series: label, t: set.times[g], value, kind: 'scored' });
    }
  });
  return rows;
}

export function reconstructionsSpec(rows: ReconstructionRow[], title: string, models: string[]): VegaLiteSpec {
  // The legend lists only the kinds of point drawn (in interpolation every scored point is also seen).
  const kinds = (
    [
      ['seen by the encoder', 'black'],
      ['scored', '#d62728'],
    ] as const
  ).filter(([kind]) => rows.some((r) => r.kind === kind));
  return {
    $schema: SCHEMA,
    title,
    data: { values: rows },
    facet: {
      row: { field: 'series', type: 'nominal', title: null },
      column: { field: 'model', type: 'nominal', title: null, sort: models },
    },
    spec: {
      width: 320,
      height: 140,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'truth'" }],
          mark: { type: 'line', strokeDash: [4, 3], color: '#999' },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 't' },
            y: { field: 'value', type: 'quantitative', title: 'x(t)', scale: { zero: false } },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'prediction'" }],
          mark: { type: 'line', color: '#1f77b4', strokeWidth: 2 },
          encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' } },
        },
        {
          transform: [{ filter: "datum.kind !== 'prediction' && datum.kind !== 'truth'" }],
          mark: { type: 'circle', size: 18 },
          encoding: {
            x: { field: 't', type: 'quantitative' },
            y: { field: 'value', type: 'quantitative' },
            color: {
              field: 'kind',
              type: 'nominal',
              title: 'observations',
              scale: { domain: kinds.map(([k]) => k), range: kinds.map(([, c]) => c) },
            },
          },
        },
      ],
    },
    config: { view: { stroke: '#ddd' } },
  } as VegaLiteSpec;
}

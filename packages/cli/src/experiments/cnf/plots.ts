// The experiment's figures as Vega-Lite specs (rendered to SVG by ../../plots.ts): Fig. 5c (test NLL
// against evaluation NFE over the λ sweep of R_2), density heatmaps of the 2-D sets (data against the
// unregularised and the regularised model), and samples with a few trajectories from the base.
import type { Rng, NeuralOde } from 'taynode';
import type { VegaLiteSpec } from '../../plots.js';
import { labelLayers, paddedDomain, placeLabels } from '../../plot-labels.js';
import { evaluateDensity, sampleFlow } from './model.js';
import { compare, headline, type CnfOutcome } from './run.js';
import type { CnfSettings } from './settings.js';
import type { RowRecord } from './train.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export interface TradeoffPoint {
  label: string;
  /** 'R_2 sweep', 'unregularised', 'RNODE', 'R_3' */
  series: string;
  lambda: number;
  nll: number;
  nfe: number;
}

/**
 * Fig. 5c of a run: its rows at the first evaluation tolerance, as `taynode cnf` reports them (λ = 0,
 * the R_2 sweep, RNODE and R_3; dopri5 rows); the same from a merge (`--merge`).
 */
export function outcomeTradeoffSpec(outcome: CnfOutcome<RowRecord>, s: CnfSettings, dim: number): VegaLiteSpec {
  const c = compare(outcome, s.nllBudget);
  const points: TradeoffPoint[] = [];
  const add = (r: RowRecord | undefined, series: string) => {
    if (r)
      points.push({
        label: series === 'unregularised' ? 'λ = 0' : `λ = ${r.lambda}`,
        series,
        lambda: r.lambda,
        ...headline(r),
      });
  };
  add(c.unreg, 'unregularised');
  outcome.sweep.forEach((r) => add(r, 'R_2 sweep'));
  add(c.rnode, 'RNODE');
  add(
    outcome.table.find((r) => r.regulariser === 'r3' && r.solver === 'dopri5'),
    'R_3',
  );
  const nllTitle = dim > 2 ? 'test NLL (nats; bits/dim = NLL / (D ln 2))' : 'test NLL (nats)';
  return tradeoffSpec(
    points,
    `${s.dataset}: test NLL against dopri5 NFE (tol ${s.evalTols[0]}), trained with dopri5`,
    nllTitle,
  );
}

/** Fig. 5c: test NLL against dopri5 NFE, the R_2 sweep as a line, the other runs as marked points. */
export function tradeoffSpec(points: TradeoffPoint[], title: string, nllTitle: string): VegaLiteSpec {
  const width = 460,
    height = 320,
    fontSize = 10;
  const finite = points.filter((p) => Number.isFinite(p.nll) && Number.isFinite(p.nfe));
  const xDomain = paddedDomain(finite.map((p) => p.nfe)),
    yDomain = paddedDomain(finite.map((p) => p.nll));
  const places = placeLabels(
    finite.map((p) => ({ x: p.nfe, y: p.nll, label: p.label })),
    { width, height, xDomain, yDomain, fontSize },
  );
  const enc = {
    x: {
      field: 'nfe',
      type: 'quantitative',
      title: 'evaluation NFE (dopri5)',
      scale: { domain: xDomain, nice: false, zero: false },
    },
    y: { field: 'nll', type: 'quantitative', title: nllTitle, scale: { domain: yDomain, nice: false, zero: false } },
    color: { field: 'series', type: 'nominal', title: 'training' },
  };
  return {
    $schema: SCHEMA,
    title,
    width,
    height,
    data: { values: finite.map((p, i) => ({ ...p, place: places[i] ?? null })) },
    layer: [
      {
        transform: [{ filter: "datum.series === 'R_2 sweep'" }],
        mark: { type: 'line', point: true },
        encoding: { ...enc, order: { field: 'lambda', type: 'quantitative' } },
      },
      {
        mark: { type: 'point', size: 90, filled: true },
        encoding: { ...enc, shape: { field: 'series', type: 'nominal' } },
      },
      ...labelLayers(enc.x, enc.y, fontSize),
    ],
  } as VegaLiteSpec;
}

export interface DensityPanel {
  title: string;
  cells: { x: number; y: number; x2: number; y2: number; density: number }[];
}

/** A histogram of 2-D points, normalised to a density on the grid [−r, r]² of `n`×`n` cells. */
export function histogramPanel(points: Float64Array, range: number, n: number, title: string): DensityPanel {
  const h = (2 * range) / n;
  const counts = new Float64Array(n * n);
  const total = points.length / 2;
  for (let i = 0; i < total; i++) {
    const cx = Math.floor((points[2 * i] + range) / h),
      cy = Math.floor((points[2 * i + 1] + range) / h);
    if (cx >= 0 && cx < n && cy >= 0 && cy < n) counts[cy * n + cx] += 1;
  }
  return { title, cells: gridCells(range, n, (i) => counts[i] / (total * h * h)) };
}

/**
 * The model's density exp(−NLL) at the centres of the grid's cells (exact trace, dopri5 at `tol`).
 * `reported`: the NFE the JSON holds (its test examples), quoted in the title beside the grid's own.
 */
export function modelDensityPanel(
  flow: NeuralOde,
  range: number,
  n: number,
  tol: number,
  title: string,
  reported?: { nfe: number; what: string },
): DensityPanel {
  const h = (2 * range) / n;
  const centres = new Float64Array(2 * n * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      centres[2 * (j * n + i)] = -range + (i + 0.5) * h;
      centres[2 * (j * n + i) + 1] = -range + (j + 0.5) * h;
    }
  const e = evaluateDensity(flow, centres, tol);
  const grid = `this ${n}×${n} grid as one batch: NFE ${e.nfe}`;
  const full = reported ? `${title}: NFE ${reported.nfe} on ${reported.what}; ${grid}` : `${title} (${grid})`;
  return { title: full, cells: gridCells(range, n, (i) => Math.exp(-e.perExample[i])) };
}

function gridCells(range: number, n: number, value: (index: number) => number): DensityPanel['cells'] {
  const h = (2 * range) / n;
  const cells: DensityPanel['cells'] = [];
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      const d = value(j * n + i);
      cells.push({
        x: -range + i * h,
        x2: -range + (i + 1) * h,
        y: -range + j * h,
        y2: -range + (j + 1) * h,
        density: Number.isFinite(d) ? d : 0,
      });
    }
  return cells;
}

/** A quantitative axis over [−range, range], the same for both coordinates of a 2-D panel. */
function squareAxis(title: string, range: number) {
  return { type: 'quantitative', title, scale: { domain: [-range, range], nice: false } };
}

export function densitySpec(panels: DensityPanel[], title: string, range: number): VegaLiteSpec {
  const axis = (t: string) => squareAxis(t, range);
  return {
    $schema: SCHEMA,
    title,
    hconcat: panels.map((p) => ({
      // a line per clause: one long line would widen the panel to its length
      title: { text: p.title.replace(/: /, ':; ').split('; '), fontSize: 11 },
      width: 240,
      height: 240,
      data: { values: p.cells },
      mark: { type: 'rect', strokeWidth: 0 },
      encoding: {
        x: { field: 'x', ...axis('x₁') },
        x2: { field: 'x2' },
        y: { field: 'y', ...axis('x₂') },
        y2: { field: 'y2' },
        color: { field: 'density', type: 'quantitative', title: 'density', scale: { scheme: 'viridis' } },
      },
    })),
    // one colour scale for data and models: the same colour is the same density in every panel
    resolve: { scale: { color: 'shared' } },
    config: { view: { stroke: null } },
  } as VegaLiteSpec;
}

export interface SamplePanel {
  title: string;
  samples: { x: number; y: number }[];
  paths: { traj: number; step: number; x: number; y: number }[];
}

/** `n` samples and `k` trajectories (t from 1 to 0 at `steps` times) of a 2-D flow, from the base N(0, I). */
export function samplePanel(
  flow: NeuralOde,
  n: number,
  k: number,
  rng: Rng,
  tol: number,
  title: string,
  steps = 41,
): SamplePanel {
  const s = sampleFlow(flow, n, rng, tol);
  const times = Array.from({ length: steps }, (_, i) => 1 - i / (steps - 1));
  const t = sampleFlow(flow, k, rng, tol, times);
  const paths: SamplePanel['paths'] = [];
  for (let m = 0; m < steps; m++)
    for (let b = 0; b < k; b++)
      paths.push({ traj: b, step: m, x: t.zs[(m * k + b) * 2], y: t.zs[(m * k + b) * 2 + 1] });
  const samples = Array.from({ length: n }, (_, i) => ({ x: s.samples[2 * i], y: s.samples[2 * i + 1] }));
  return { title: `${title} (sampling NFE ${s.nfe})`, samples, paths };
}

export function samplesSpec(panels: SamplePanel[], title: string, range: number): VegaLiteSpec {
  const axis = (t: string) => squareAxis(t, range);
  return {
    $schema: SCHEMA,
    title,
    hconcat: panels.map((p) => ({
      title: p.title,
      width: 300,
      height: 300,
      layer: [
        {
          data: { values: p.samples },
          mark: { type: 'circle', size: 5, opacity: 0.35, color: '#4c78a8', clip: true },
          encoding: { x: { field: 'x', ...axis('x₁') }, y: { field: 'y', ...axis('x₂') } },
        },
        {
          data: { values: p.paths },
          mark: { type: 'line', strokeWidth: 1.5, color: '#e45756', clip: true },
          encoding: {
            x: { field: 'x', type: 'quantitative' },
            y: { field: 'y', type: 'quantitative' },
            detail: { field: 'traj' },
            order: { field: 'step' },
          },
        },
        {
          data: { values: p.paths.filter((q) => q.step === 0) },
          mark: { type: 'point', size: 30, color: 'black', clip: true },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
        },
      ],
    })),
    config: { view: { stroke: null } },
  } as VegaLiteSpec;
}

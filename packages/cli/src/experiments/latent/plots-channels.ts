// The multichannel sets' figures (physionet-like, physionet) as Vega-Lite specs: Figure 4 as the
// decoder's first latent dimensions against time (a phase plane of 20 dimensions says little), and
// reconstructions of a few channels of test series: the observed points and the decoded channel.
import type { VegaLiteSpec } from '../../plots.js';
import type { LatentBatch } from './batches.js';
import { observationCount, type ChannelSet } from './channels.js';
import type { LatentOde } from './model.js';
import { posteriorMean, readOut } from './objective.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export interface LatentTimeRow {
  series: number;
  dim: string;
  t: number;
  z: number;
  kind: 'line' | 'evaluation';
}

export interface LatentTimePanel {
  title: string;
  rows: LatentTimeRow[];
  /** mean NFE of the series shown, each solved alone */
  nfe: number;
}

/**
 * The first `dims` latent dimensions of test series against time, from their posterior means, drawn
 * finely (tolerance 1e-10), with the states where dopri5 at `tol` evaluated the dynamics (each series
 * solved alone). `reported`: the NFE the JSON holds, put in the title so the figure and the JSON agree.
 */
export function latentTimePanel(
  model: LatentOde,
  batch: LatentBatch,
  title: string,
  tol: number,
  reported: { nfe: number; what: string },
  dims = 3,
  samples = 121,
): LatentTimePanel {
  const L = model.arch.latent,
    D = Math.min(dims, L),
    k = batch.size,
    series = Array.from(batch.series);
  const tMax = model.decoder.config.t1;
  const z0 = posteriorMean(model, batch);
  const times = Array.from({ length: samples }, (_, i) => (tMax * i) / (samples - 1));
  const fine = model.decoder.predict(z0, { times, solver: { method: 'dopri5', rtol: 1e-10, atol: 1e-10 } }).zs;
  const rows: LatentTimeRow[] = [];
  times.forEach((t, m) => {
    for (let b = 0; b < k; b++)
      for (let d = 0; d < D; d++)
        rows.push({ series: series[b], dim: `z${d}`, t, z: fine[(m * k + b) * L + d], kind: 'line' });
  });
  let nfe = 0;
  for (let b = 0; b < k; b++)
    nfe += model.decoder.predict(z0.slice(b * L, (b + 1) * L), {
      solver: { method: 'dopri5', rtol: tol, atol: tol },
      onEvaluation: (t, z) => {
        for (let d = 0; d < D; d++) rows.push({ series: series[b], dim: `z${d}`, t, z: z[d], kind: 'evaluation' });
      },
    }).stats.nfe;
  nfe /= k;
  return {
    title: `${title}: mean NFE ${reported.nfe.toFixed(1)} per series over ${reported.what} (tol ${tol}); dots: the ${k} series shown, mean NFE ${nfe.toFixed(1)}`,
    rows,
    nfe,
  };
}

export function latentTimeSpec(panels: LatentTimePanel[]): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: "Latent trajectories of test series against time (first dimensions); dots: dopri5's evaluations",
    hconcat: panels.map((p) => ({
      title: p.title,
      data: { values: p.rows },
      facet: { row: { field: 'dim', type: 'nominal', title: null } },
      spec: {
        width: 380,
        height: 120,
        layer: [
          {
            transform: [{ filter: "datum.kind === 'line'" }],
            mark: { type: 'line', strokeWidth: 1.5 },
            encoding: {
              x: { field: 't', type: 'quantitative', title: 't' },
              y: { field: 'z', type: 'quantitative', title: 'z(t)', scale: { zero: false } },
              color: { field: 'series', type: 'nominal', legend: null },
              detail: { field: 'series', type: 'nominal' },
            },
          },
          {
            transform: [{ filter: "datum.kind === 'evaluation'" }],
            mark: { type: 'circle', size: 10, opacity: 0.8 },
            encoding: {
              x: { field: 't', type: 'quantitative' },
              y: { field: 'z', type: 'quantitative' },
              color: { field: 'series', type: 'nominal', legend: null },
            },
          },
        ],
      },
    })),
    config: { view: { stroke: '#ddd' } },
  } as VegaLiteSpec;
}

/** The `count` channels observed most often in `series` (ties: the earlier channel), in channel order. */
export function mostObservedChannels(set: ChannelSet, series: number[], count: number): number[] {
  const totals = set.channels.map((_name, c) => ({
    c,
    n: series.reduce((a, s) => a + observationCount(set, s, c), 0),
  }));
  return totals
    .sort((a, b) => b.n - a.n || a.c - b.c)
    .slice(0, count)
    .map((x) => x.c)
    .sort((a, b) => a - b);
}

export interface ChannelReconstructionRow {
  model: string;
  /** "series s · channel" */
  panel: string;
  t: number;
  value: number;
  kind: 'decoded' | 'observed';
}

/** Each series' decoded `channels` over [0, tMax] from its posterior mean, and the points observed in them. */
export function channelReconstructionRows(
  model: LatentOde,
  name: string,
  set: ChannelSet,
  batch: LatentBatch,
  channels: number[],
  samples = 151,
): ChannelReconstructionRow[] {
  const C = set.channels.length,
    k = batch.size,
    series = Array.from(batch.series);
  const z0 = posteriorMean(model, batch);
  const times = Array.from({ length: samples }, (_, i) => (set.tMax * i) / (samples - 1));
  const decoded = readOut(model, model.decoder.predict(z0, { times }).zs);
  const rows: ChannelReconstructionRow[] = [];
  series.forEach((s, b) => {
    for (const c of channels) {
      const panel = `series ${s} · ${set.channels[c]}`;
      times.forEach((t, m) =>
        rows.push({ model: name, panel, t, value: decoded[(m * k + b) * C + c], kind: 'decoded' }),
      );
      for (let r = set.rowStart[s]; r < set.rowStart[s + 1]; r++)
        if (set.mask[r * C + c] === 1)
          rows.push({
            model: name,
            panel,
            t: set.times[set.rowGrid[r]],
            value: set.values[r * C + c],
            kind: 'observed',
          });
    }
  });
  return rows;
}

export function channelReconstructionsSpec(
  rows: ChannelReconstructionRow[],
  title: string,
  models: string[],
): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title,
    data: { values: rows },
    facet: {
      row: { field: 'panel', type: 'nominal', title: null },
      column: { field: 'model', type: 'nominal', title: null, sort: models },
    },
    spec: {
      width: 320,
      height: 110,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'decoded'" }],
          mark: { type: 'line', color: '#1f77b4', strokeWidth: 2 },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 't' },
            y: { field: 'value', type: 'quantitative', title: 'value', scale: { zero: false } },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'observed'" }],
          mark: { type: 'circle', size: 20, color: 'black' },
          encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' } },
        },
      ],
    },
    config: { view: { stroke: '#ddd' } },
  } as VegaLiteSpec;
}

// Figures for the experiments: Vega-Lite specs compiled by vega-lite and rendered to SVG by vega's
// headless View (renderer 'none'), so no SVG is built by hand and any Vega-Lite chart works.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

export type VegaLiteSpec = vegaLite.TopLevelSpec;

const SUPERSCRIPT_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** `n` in superscript digits (d³z/dt³, not d^3z/dt^3: figure text is not TeX). */
export function superscript(n: number): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`superscript: expected a non-negative integer, got ${n}`);
  return String(n).replace(/\d/g, (d) => SUPERSCRIPT_DIGITS[Number(d)]);
}

/** Renders a Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const { spec: compiled } = vegaLite.compile(spec);
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders `spec` and writes it to `path` (directories created); returns the path. */
export async function writeSvg(path: string, spec: VegaLiteSpec): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, await renderSvg(spec));
  return path;
}

export interface HeatmapOptions {
  /** one record per cell */
  values: Record<string, unknown>[];
  /** field on the x axis (discrete) and its axis title */
  x: { field: string; title?: string; sort?: unknown[] };
  /** field on the y axis (discrete) */
  y: { field: string; title?: string; sort?: unknown[] };
  /** numeric field that colours each cell, printed in it too */
  color: { field: string; title?: string; scheme?: string; logScale?: boolean };
  title?: string;
  cellSize?: number;
}

/** A labelled heatmap: one rect per record, coloured by `color.field`, with the value written in each cell. */
export function heatmapSpec(o: HeatmapOptions): VegaLiteSpec {
  const cell = o.cellSize ?? 48;
  const x = {
    field: o.x.field,
    type: 'ordinal' as const,
    title: o.x.title ?? o.x.field,
    ...(o.x.sort ? { sort: o.x.sort } : {}),
  };
  const y = {
    field: o.y.field,
    type: 'ordinal' as const,
    title: o.y.title ?? o.y.field,
    ...(o.y.sort ? { sort: o.y.sort } : {}),
  };
  // Light text on the dark low end of the (viridis-like) scheme, dark text on the light high end.
  const numbers = o.values.map((v) => Number(v[o.color.field])).filter(Number.isFinite);
  const [lo, hi] = [Math.min(...numbers), Math.max(...numbers)];
  const middle = o.color.logScale && lo > 0 ? Math.sqrt(lo * hi) : (lo + hi) / 2;
  const scale = { scheme: o.color.scheme ?? 'viridis', ...(o.color.logScale ? { type: 'log' as const } : {}) };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: o.title } : {}),
    data: { values: o.values },
    width: { step: cell },
    height: { step: cell },
    encoding: { x, y },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: o.color.field, type: 'quantitative', title: o.color.title ?? o.color.field, scale },
        },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          text: { field: o.color.field, type: 'quantitative' },
          color: { condition: { test: `datum['${o.color.field}'] < ${middle}`, value: 'white' }, value: 'black' },
        },
      },
    ],
    config: { view: { stroke: null }, axis: { grid: false } },
  } as VegaLiteSpec;
}

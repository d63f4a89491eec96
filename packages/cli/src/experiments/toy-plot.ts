// Figure 1 as a Vega-Lite chart: each model's trajectories z(t) on [0, 1] drawn as short segments
// coloured by |d³z/dt³| (Taylor mode at each point), with every point where dopri5 evaluated the
// dynamics marked. Compiled to SVG by vega (see ../plots.ts).
import { odeint, Tensor, factorial, type NeuralOde, type OdeDynamics } from 'taynode';
import { superscript, type VegaLiteSpec } from '../plots.js';

export interface TrajectoryPanel {
  title: string;
  /** the maximum of |d^K z/dt^K| over the panel's segments (the colour scale must reach it) */
  maxD: number;
  segments: { t: number; z: number; t2: number; z2: number; d: number; traj: number }[];
  evaluations: { t: number; z: number }[];
  nfe: number;
}

/**
 * Trajectories from `starts`, their K-th derivative magnitudes, and dopri5's evaluation points at `tol`.
 * `reported`: the NFE the command prints (its test batch), put in the title so the figure and the console
 * agree; the dots are the evaluations of the plotted starts solved jointly, whose NFE is stated separately.
 */
export function trajectoryPanel(
  model: NeuralOde,
  starts: Float64Array,
  title: string,
  tol: number,
  order = 3,
  samples = 31,
  reported?: { nfe: number; what: string },
): TrajectoryPanel {
  const rt = model.rt;
  const n = starts.length;
  const dyn = model.dynamics(n, false);
  const ts = Float64Array.from({ length: samples }, (_, i) => i / (samples - 1));
  const dense = odeint(dyn.odeFunction, { data: starts, rows: n, cols: 1 }, ts, {
    method: 'dopri5',
    rtol: 1e-10,
    atol: 1e-10,
    runtime: rt,
  });
  const mags: Float64Array[] = [];
  rt.arena.scope(() => {
    const z = Tensor.zeros(rt.arena, n, 1);
    const outs = Array.from({ length: order }, () => Tensor.zeros(rt.arena, n, 1));
    ts.forEach((t, i) => {
      z.copyFrom(dense.ys[i]);
      model.network.graph.solutionDerivatives(t, z, order, outs);
      mags.push(outs[order - 1].asFloat64().map((v) => Math.abs(v * factorial(order))));
    });
  });
  const segments: TrajectoryPanel['segments'] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i + 1 < samples; i++) {
      segments.push({
        traj: b,
        t: ts[i],
        z: dense.ys[i][b],
        t2: ts[i + 1],
        z2: dense.ys[i + 1][b],
        d: 0.5 * (mags[i][b] + mags[i + 1][b]),
      });
    }
  }
  const evaluations: TrajectoryPanel['evaluations'] = [];
  const inner = dyn.odeFunction;
  const record = (t: number, values: ArrayLike<number>) => {
    for (let b = 0; b < n; b++) evaluations.push({ t, z: values[b] });
  };
  // The same dynamics, in whichever form the model gives them, recording every point evaluated.
  const recorded: OdeDynamics =
    typeof inner === 'function'
      ? (t, y, dy) => {
          record(t, y);
          inner(t, y, dy);
        }
      : {
          evaluate: (t, y, dy) => {
            record(t, y.data);
            inner.evaluate(t, y, dy);
          },
        };
  const solve = odeint(recorded, { data: starts, rows: n, cols: 1 }, [0, 1], {
    method: 'dopri5',
    rtol: tol,
    atol: tol,
    runtime: rt,
  });
  const shown = `dots: the ${n} trajectories shown, solved jointly, dopri5 NFE = ${solve.stats.nfe}`;
  const full = reported
    ? `${title}: dopri5 NFE = ${reported.nfe} on ${reported.what} (tol ${tol}); ${shown}`
    : `${title}: dopri5 NFE = ${solve.stats.nfe} (tol ${tol})`;
  const maxD = segments.reduce((m, sg) => Math.max(m, sg.d), 0);
  return { title: full, maxD, segments, evaluations, nfe: solve.stats.nfe };
}

/** Legend values from 0 to `max` (both labelled), with 1-2-5 steps in between on the symlog scale. */
export function legendValues(max: number): number[] {
  if (!(max > 0)) return [0];
  const values = [0];
  for (let e = Math.floor(Math.log10(max)) - 2; ; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= max * 0.8) return [...values.map((x) => Number(x.toPrecision(3))), max];
      if (v > 0) values.push(v);
    }
  }
}

export function trajectoriesSpec(panels: TrajectoryPanel[], order = 3): VegaLiteSpec {
  // One colour scale for all panels, its domain exactly [0, max] so the legend's ends are the data's ends.
  const maxD = Math.max(0, ...panels.map((p) => p.maxD));
  const derivative = `|d${superscript(order)}z/dt${superscript(order)}|`;
  const ticks = legendValues(maxD).filter(
    (v, i, a) => i === 0 || i === a.length - 1 || (v / maxD > 0.01 && v < maxD / 1.5),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Trajectories coloured by ${derivative}; black dots: dopri5 evaluations`,
    vconcat: panels.map((p) => ({
      title: p.title,
      width: 560,
      height: 300,
      layer: [
        {
          data: { values: p.segments },
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 't', scale: { domain: [0, 1] } },
            y: { field: 'z', type: 'quantitative', title: 'z(t)' },
            x2: { field: 't2' },
            y2: { field: 'z2' },
            color: {
              field: 'd',
              type: 'quantitative',
              title: derivative,
              scale: { type: 'symlog', scheme: 'plasma', domain: [0, maxD], nice: false },
              legend: { values: ticks, format: '.3~g', gradientLength: 260 },
            },
          },
        },
        {
          data: { values: p.evaluations },
          mark: { type: 'circle', size: 7, color: 'black', opacity: 0.85 },
          encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'z', type: 'quantitative' } },
        },
      ],
    })),
    resolve: { scale: { color: 'shared' } },
    config: { view: { stroke: null } },
  } as VegaLiteSpec;
}

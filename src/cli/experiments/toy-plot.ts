// Figure 1 as a Vega-Lite chart: each model's trajectories z(t) on [0, 1] drawn as short segments
// coloured by |d³z/dt³| (Taylor mode at each point), with every point where dopri5 evaluated the
// dynamics marked. Compiled to SVG by vega (see ../plots.ts).
import { odeint } from '../../ode/solve.js';
import { Tensor } from '../../runtime/tensor.js';
import { factorial } from '../../model/regularizers.js';
import type { NeuralOde } from '../../model/neural-ode.js';
import type { VegaLiteSpec } from '../plots.js';

export interface TrajectoryPanel {
  title: string;
  segments: { t: number; z: number; t2: number; z2: number; d: number; traj: number }[];
  evaluations: { t: number; z: number }[];
  nfe: number;
}

/** Trajectories from `starts`, their K-th derivative magnitudes, and dopri5's evaluation points at `tol`. */
export function trajectoryPanel(model: NeuralOde, starts: Float64Array, title: string, tol: number, order = 3, samples = 31): TrajectoryPanel {
  const rt = model.rt;
  const n = starts.length;
  const dyn = model.dynamics(n, false);
  const ts = Float64Array.from({ length: samples }, (_, i) => i / (samples - 1));
  const dense = odeint(dyn.odeFunction, { data: starts, rows: n, cols: 1 }, ts, { method: 'dopri5', rtol: 1e-10, atol: 1e-10, runtime: rt });
  const mags: Float64Array[] = [];
  rt.arena.scope(() => {
    const z = Tensor.zeros(rt.arena, n, 1);
    const outs = Array.from({ length: order }, () => Tensor.zeros(rt.arena, n, 1));
    ts.forEach((t, i) => {
      z.copyFrom(dense.ys[i]);
      model.network.graph.solutionDerivatives(t, z, order, outs);
      mags.push(outs[order - 1].data.map((v) => Math.abs(v * factorial(order))));
    });
  });
  const segments: TrajectoryPanel['segments'] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i + 1 < samples; i++) {
      segments.push({ traj: b, t: ts[i], z: dense.ys[i][b], t2: ts[i + 1], z2: dense.ys[i + 1][b], d: 0.5 * (mags[i][b] + mags[i + 1][b]) });
    }
  }
  const evaluations: TrajectoryPanel['evaluations'] = [];
  const inner = dyn.odeFunction;
  const solve = odeint({
    evaluate: (t, y, dy) => {
      const values = y.data;
      for (let b = 0; b < n; b++) evaluations.push({ t, z: values[b] });
      if (typeof inner === 'function') inner(t, y.data, dy.data); else inner.evaluate(t, y, dy);
    },
  }, { data: starts, rows: n, cols: 1 }, [0, 1], { method: 'dopri5', rtol: tol, atol: tol, runtime: rt });
  return { title: `${title}: dopri5 NFE = ${solve.stats.nfe} (tol ${tol})`, segments, evaluations, nfe: solve.stats.nfe };
}

export function trajectoriesSpec(panels: TrajectoryPanel[], order = 3): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Trajectories coloured by |d^${order}z/dt^${order}|; black dots: dopri5 evaluations`,
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
            color: { field: 'd', type: 'quantitative', title: `|d^${order}z/dt^${order}|`, scale: { type: 'symlog', scheme: 'plasma' } },
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

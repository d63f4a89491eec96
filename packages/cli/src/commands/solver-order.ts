// `taynode solver-order`: the paper's Figure 2. For z(t) = t^K (dz/dt = K·t^(K−1), z(0) = 0), K = 1..5,
// and every adaptive method, the NFE needed on [0, 1] at a fixed tolerance: a solver of order p
// integrates trajectories of degree ≤ p almost for free, since its error estimate vanishes there.
import type { Command } from 'commander';
import { ADAPTIVE_METHODS, TABLEAUS, odeint, type AdaptiveMethod } from 'taynode';
import { heatmapSpec, renderSvg } from '../plots.js';
import { defaultOut, forceOption, OutputDir } from '../output.js';
import { positive, positiveInt } from '../parsers.js';

export interface SolverOrderRow {
  method: AdaptiveMethod;
  order: number;
  K: number;
  nfe: number;
  acceptedSteps: number;
  rejectedSteps: number;
  /** |z(1) − 1| */
  error: number;
}

export function solverOrderTable(rtol: number, atol: number, maxDegree: number): SolverOrderRow[] {
  const rows: SolverOrderRow[] = [];
  for (const method of ADAPTIVE_METHODS) {
    for (let K = 1; K <= maxDegree; K++) {
      const r = odeint(
        (t, _z, dz) => {
          dz[0] = K * t ** (K - 1);
        },
        [0],
        [0, 1],
        { method, rtol, atol },
      );
      rows.push({
        method,
        order: TABLEAUS[method].order,
        K,
        nfe: r.stats.nfe,
        acceptedSteps: r.stats.acceptedSteps,
        rejectedSteps: r.stats.rejectedSteps,
        error: Math.abs(r.ys[1][0] - 1),
      });
    }
  }
  return rows;
}

export function registerSolverOrderCommand(program: Command): void {
  program
    .command('solver-order')
    .description(
      'Figure 2: NFE of every adaptive method on z(t) = t^K over [0, 1], K = 1..max-degree; table, JSON and SVG heatmap',
    )
    .option('--rtol <x>', 'relative tolerance', positive, 1e-6)
    .option('--atol <x>', 'absolute tolerance', positive, 1e-6)
    .option('--max-degree <K>', 'largest polynomial degree K', positiveInt, 5)
    .option(
      '--out <dir>',
      'output directory (a previous output of this command is replaced when the run ends; other files are kept)',
      defaultOut('solver-order'),
    )
    .addOption(forceOption())
    .action(async (opts: { rtol: number; atol: number; maxDegree: number; out: string; force?: boolean }) => {
      const out = new OutputDir(opts.out, { command: 'solver-order', force: opts.force }); // writable, checked before the work
      const rows = solverOrderTable(opts.rtol, opts.atol, opts.maxDegree);
      const degrees = Array.from({ length: opts.maxDegree }, (_, i) => i + 1);
      console.log(`NFE to integrate z(t) = t^K on [0, 1], rtol = ${opts.rtol}, atol = ${opts.atol}`);
      const header = ['method (order)'.padEnd(18), ...degrees.map((K) => `K=${K}`.padStart(7))].join('');
      console.log(header);
      for (const method of ADAPTIVE_METHODS) {
        const cells = degrees.map((K) => String(rows.find((r) => r.method === method && r.K === K)!.nfe).padStart(7));
        console.log([`${method} (${TABLEAUS[method].order})`.padEnd(18), ...cells].join(''));
      }
      const jsonPath = out.write(
        'solver-order.json',
        JSON.stringify({ rtol: opts.rtol, atol: opts.atol, interval: [0, 1], rows }, null, 2) + '\n',
      );
      const svgPath = out.write(
        'solver-order.svg',
        await renderSvg(
          heatmapSpec({
            title: `NFE on z(t) = t^K, [0, 1], rtol = ${opts.rtol}, atol = ${opts.atol}`,
            values: rows.map((r) => ({ ...r, label: `${r.method} (${r.order})` })),
            x: { field: 'K', title: 'polynomial degree K' },
            y: {
              field: 'label',
              title: 'method (order)',
              sort: ADAPTIVE_METHODS.map((m) => `${m} (${TABLEAUS[m].order})`),
            },
            color: { field: 'nfe', title: 'NFE', scheme: 'viridis', logScale: true },
          }),
        ),
      );
      out.commit();
      console.log(`wrote ${jsonPath} and ${svgPath}`);
    });
}

// How many dopri5 evaluations do EXACT flows of the toy map z(1) = z(0) + z(0)³ need? Trajectories
// z(t) = z0 + s²·z0³·p(t) with p(0) = 0, p(1) = 1 (s = the toy's scale, z0 = x/s) fit the map perfectly;
// p fixes every total derivative: R_K = 0 for K > deg p. Each family is solved two ways over the toy's
// test inputs (one batch, one step size): as the state-dependent field f(z, t) a neural ODE has to learn
// (z0 recovered from (z, t) by Newton), and as pure quadrature dz/dt = g(t) per example (the same
// trajectories, as in the paper's Figure 2). This bounds what any regulariser of total derivatives can
// buy on this problem: see BENCHMARKS.md, Toy experiment.
import { odeint } from '../src/ode/odeint.js';
import { DEFAULT_TOY, toyData } from '../packages/cli/src/experiments/toy.js';
import { writeResults } from './results-file.js';

type Profile = { name: string; p: (t: number) => number; dp: (t: number) => number };

const TOLS = [1e-4, 1e-6, 1.4e-8];

function profiles(): Profile[] {
  const list: Profile[] = [
    { name: 'p = t (straight, R_2 = 0)', p: (t) => t, dp: () => 1 },
    { name: 'p = (t + t²)/2 (R_3 = 0)', p: (t) => (t + t * t) / 2, dp: (t) => 0.5 + t },
    { name: 'p = t² (R_3 = 0)', p: (t) => t * t, dp: (t) => 2 * t },
    { name: 'p = t³ (R_4 = 0)', p: (t) => t ** 3, dp: (t) => 3 * t * t },
    { name: 'p = t⁴ (R_5 = 0)', p: (t) => t ** 4, dp: (t) => 4 * t ** 3 },
  ];
  for (const eps of [0.3, 0.1, 0.03, 0.01, 0.003, 0.001]) {
    list.push({
      name: `p = (1 − ${eps})·t + ${eps}·t² (R_3 = 0, nearly straight)`,
      p: (t) => (1 - eps) * t + eps * t * t,
      dp: (t) => 1 - eps + 2 * eps * t,
    });
  }
  return list;
}

export async function run(): Promise<void> {
  const s = DEFAULT_TOY;
  const data = toyData(s);
  const z0 = data.testInputs;
  const n = z0.length;
  const a = s.scale ** 2;
  const rows: Record<string, unknown>[] = [];
  for (const { name, p, dp } of profiles()) {
    // the field a neural ODE must represent: f(z, t) = a·z0(z, t)³·p'(t), z0 solving z0 + a·p(t)·z0³ = z
    const field = (t: number, y: Float64Array, dy: Float64Array) => {
      const c = a * p(t);
      for (let i = 0; i < y.length; i++) {
        let x = y[i];
        for (let k = 0; k < 60; k++) {
          const g = x + c * x ** 3 - y[i];
          x -= g / (1 + 3 * c * x * x);
        }
        dy[i] = a * x ** 3 * dp(t);
      }
    };
    const quadrature = (t: number, _y: Float64Array, dy: Float64Array) => {
      for (let i = 0; i < n; i++) dy[i] = a * z0[i] ** 3 * dp(t);
    };
    const nfe = (f: typeof field, tol: number) =>
      odeint(f, { data: z0, rows: n, cols: 1 }, [0, 1], { method: 'dopri5', rtol: tol, atol: tol }).stats.nfe;
    const row = {
      trajectories: name,
      field_nfe: Object.fromEntries(TOLS.map((tol) => [String(tol), nfe(field, tol)])),
      quadrature_nfe: Object.fromEntries(TOLS.map((tol) => [String(tol), nfe(quadrature, tol)])),
    };
    rows.push(row);
    console.log(
      `${name.padEnd(52)} field f(z,t): ${TOLS.map((t) => String(row.field_nfe[String(t)]).padStart(4)).join(' ')}   quadrature g(t): ${TOLS.map((t) => String(row.quadrature_nfe[String(t)]).padStart(4)).join(' ')}   (NFE at tol ${TOLS.join(', ')})`,
    );
  }
  writeResults('toy-flows', { scale: s.scale, test_points: n, tolerances: TOLS, rows });
}

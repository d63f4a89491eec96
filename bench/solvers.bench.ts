// taynode's adaptive solvers against dopri-js (`dopri`, Dormand–Prince 5(4)) and `odex` (Gragg–Bulirsch–
// Stoer extrapolation) on the same problems at the same tolerances, in one run: NFE, achieved error
// against a tight reference (or the closed form) at the end time, and wall time side by side.
// Ratios are peer / taynode: > 1 means taynode needs fewer evaluations or less time.
import { createRequire } from 'node:module';
import { Dopri } from 'dopri';
import { odeint, type MethodName } from '../src/ode/index.js';
import { Rng } from '../src/random.js';
import { writeResults } from './results-file.js';

// odex ships its TypeScript sources, which do not pass our strict typecheck: load it untyped, with the
// slice of its API used here declared locally.
interface OdexSolver {
  relativeTolerance: number;
  absoluteTolerance: number;
  maxSteps: number;
  solve(f: (x: number, y: number[]) => number[], x0: number, y0: number[], x1: number): { y: number[]; nEval: number };
}
const Odex = (createRequire(import.meta.url)('odex') as { Solver: new (n: number) => OdexSolver }).Solver;

const RTOL = 1e-6;
const ATOL = 1e-6;

interface Problem {
  name: string;
  n: number;
  t1: number;
  y0: Float64Array;
  /** writes dy; works on typed arrays and plain arrays alike (the same code for every solver) */
  f: (t: number, y: ArrayLike<number>, dy: { [i: number]: number }) => void;
  /** exact end state if known, else computed by a tight reference solve */
  exact?: () => Float64Array;
}

function lorenz(): Problem {
  return {
    name: 'lorenz',
    n: 3,
    t1: 3,
    y0: Float64Array.of(10, 1, 1),
    f: (_t, y, dy) => {
      dy[0] = 10 * (y[1] - y[0]);
      dy[1] = 28 * y[0] - y[1] - y[0] * y[2];
      dy[2] = (-8 / 3) * y[2] + y[0] * y[1];
    },
  };
}

/** 500 decoupled damped oscillators: a 1000-dimensional linear system y' = A·y with a closed form. */
function linear1000(): Problem {
  const rng = new Rng(11);
  const pairs = 500;
  const damping = Float64Array.from({ length: pairs }, () => rng.uniformIn(0.05, 0.5));
  const omega = Float64Array.from({ length: pairs }, () => rng.uniformIn(0.5, 5));
  const y0 = Float64Array.from({ length: 2 * pairs }, () => rng.uniformIn(-1, 1));
  const t1 = 5;
  return {
    name: 'linear1000',
    n: 2 * pairs,
    t1,
    y0,
    f: (_t, y, dy) => {
      for (let i = 0; i < pairs; i++) {
        const a = y[2 * i],
          b = y[2 * i + 1];
        dy[2 * i] = -damping[i] * a - omega[i] * b;
        dy[2 * i + 1] = omega[i] * a - damping[i] * b;
      }
    },
    exact: () => {
      const out = new Float64Array(2 * pairs);
      for (let i = 0; i < pairs; i++) {
        const decay = Math.exp(-damping[i] * t1),
          c = Math.cos(omega[i] * t1),
          s = Math.sin(omega[i] * t1);
        out[2 * i] = decay * (c * y0[2 * i] - s * y0[2 * i + 1]);
        out[2 * i + 1] = decay * (s * y0[2 * i] + c * y0[2 * i + 1]);
      }
      return out;
    },
  };
}

/** A batch of 128 van der Pol oscillators (μ = 1), state [128, 2] = 256 values. */
function vanDerPol128(): Problem {
  const rng = new Rng(7);
  const batch = 128;
  const y0 = Float64Array.from({ length: 2 * batch }, () => rng.uniformIn(-2, 2));
  return {
    name: 'vdp128',
    n: 2 * batch,
    t1: 10,
    y0,
    f: (_t, y, dy) => {
      for (let i = 0; i < batch; i++) {
        const x = y[2 * i],
          v = y[2 * i + 1];
        dy[2 * i] = v;
        dy[2 * i + 1] = (1 - x * x) * v - x;
      }
    },
  };
}

interface Outcome {
  y: ArrayLike<number>;
  nfe: number;
}

type Runner = () => Outcome;

function runners(p: Problem, RTOL_ = RTOL, ATOL_ = ATOL): Record<string, Runner> {
  const [RTOL, ATOL] = [RTOL_, ATOL_];
  const y0 = Array.from(p.y0);
  const taynode =
    (method: MethodName, controller: 'I' | 'PI'): Runner =>
    () => {
      const r = odeint(p.f, p.y0, [0, p.t1], { method, rtol: RTOL, atol: ATOL, controller });
      return { y: r.ys[1], nfe: r.stats.nfe };
    };
  return {
    taynode: taynode('dopri5', 'I'),
    taynode_pi: taynode('dopri5', 'PI'),
    taynode_tsit5: taynode('tsit5', 'I'),
    dopri: () => {
      const s = new Dopri((t, y, dy) => p.f(t, y, dy), p.n, { rtol: RTOL, atol: ATOL, maxSteps: 1e6 });
      s.initialise(0, y0);
      const y = s.run(p.t1)([p.t1])[0];
      return { y, nfe: s.statistics().nEval };
    },
    odex: () => {
      const s = new Odex(p.n);
      s.relativeTolerance = RTOL;
      s.absoluteTolerance = ATOL;
      s.maxSteps = 1e6;
      const r = s.solve(
        (t, y) => {
          const dy = new Array<number>(p.n);
          p.f(t, y, dy);
          return dy;
        },
        0,
        y0,
        p.t1,
      );
      return { y: r.y, nfe: r.nEval };
    },
  };
}

function reference(p: Problem): Float64Array {
  if (p.exact) return p.exact();
  const r = odeint(p.f, p.y0, [0, p.t1], { method: 'dopri5', rtol: 1e-13, atol: 1e-13 });
  // cross-check the reference with an independent method (extrapolation)
  const o = new Odex(p.n);
  o.relativeTolerance = o.absoluteTolerance = 1e-13;
  o.maxSteps = 1e7;
  const other = o.solve(
    (t, y) => {
      const dy = new Array<number>(p.n);
      p.f(t, y, dy);
      return dy;
    },
    0,
    Array.from(p.y0),
    p.t1,
  ).y;
  const gap = maxError(r.ys[1], other);
  if (gap > 1e-8) console.warn(`${p.name}: reference solutions differ by ${gap.toExponential(2)}`);
  return r.ys[1];
}

function maxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Median time per call over interleaved rounds, each round long enough to swamp timer resolution. */
function timeInterleaved(fns: Record<string, Runner>, rounds = 15, minRoundMs = 80): Record<string, number> {
  const names = Object.keys(fns);
  const reps: Record<string, number> = {};
  for (const name of names) {
    for (let i = 0; i < 3; i++) fns[name](); // warm-up
    const start = performance.now();
    fns[name]();
    reps[name] = Math.max(1, Math.ceil(minRoundMs / Math.max(0.01, performance.now() - start)));
  }
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const start = performance.now();
      for (let i = 0; i < reps[name]; i++) fns[name]();
      samples[name].push((performance.now() - start) / reps[name]);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}

/**
 * NFE at equal accuracy: over a tolerance sweep, peer NFE divided by taynode's NFE interpolated (log–log)
 * at the peer's achieved error; the geometric mean over the sweep points inside taynode's error range.
 */
function equalAccuracyRatio(
  p: Problem,
  ref: Float64Array,
  peer: string,
  mine = 'taynode',
): { ratio: number | null; points: unknown[] } {
  const sweep = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10];
  const curve = (name: string) =>
    sweep.map((tol) => {
      const out = runners(p, tol, tol)[name]();
      return { tol, nfe: out.nfe, error: maxError(out.y, ref) };
    });
  const ours = curve(mine).sort((a, b) => a.error - b.error);
  const theirs = curve(peer);
  const logs: number[] = [];
  for (const q of theirs) {
    for (let i = 0; i + 1 < ours.length; i++) {
      const [lo, hi] = [ours[i], ours[i + 1]];
      if (q.error >= lo.error && q.error <= hi.error && lo.error > 0) {
        const w = Math.log(q.error / lo.error) / Math.log(hi.error / lo.error || 1);
        const nfe = Math.exp(Math.log(lo.nfe) + w * (Math.log(hi.nfe) - Math.log(lo.nfe)));
        logs.push(Math.log(q.nfe / nfe));
        break;
      }
    }
  }
  const ratio = logs.length ? Math.exp(logs.reduce((a, b) => a + b) / logs.length) : null;
  return { ratio, points: [{ [mine]: ours }, { [peer]: theirs }] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(): Promise<void> {
  const figures: Record<string, unknown> = { rtol: RTOL, atol: ATOL };
  for (const p of [lorenz(), linear1000(), vanDerPol128()]) {
    const ref = reference(p);
    const fns = runners(p);
    const times = timeInterleaved(fns);
    const rows: Record<string, { nfe: number; error: number; ms: number }> = {};
    for (const [name, fn] of Object.entries(fns)) {
      const out = fn();
      rows[name] = { nfe: out.nfe, error: maxError(out.y, ref), ms: times[name] };
    }
    const base = rows.taynode;
    const entry: Record<string, unknown> = { dim: p.n, t1: p.t1 };
    console.log(`\n${p.name} (dim ${p.n}, t in [0, ${p.t1}], rtol = atol = ${RTOL})`);
    console.log(
      'solver'.padEnd(15) +
        'nfe'.padStart(8) +
        'max error'.padStart(12) +
        'ms/solve'.padStart(11) +
        '  nfe ratio  time ratio (peer/taynode)',
    );
    for (const [name, row] of Object.entries(rows)) {
      const nfeRatio = row.nfe / base.nfe;
      const timeRatio = row.ms / base.ms;
      entry[name] = {
        nfe: row.nfe,
        error: row.error,
        ms: +row.ms.toFixed(4),
        nfe_ratio: +nfeRatio.toFixed(3),
        time_ratio: +timeRatio.toFixed(3),
      };
      console.log(
        name.padEnd(15) +
          String(row.nfe).padStart(8) +
          row.error.toExponential(2).padStart(12) +
          row.ms.toFixed(3).padStart(11) +
          nfeRatio.toFixed(2).padStart(11) +
          timeRatio.toFixed(2).padStart(12),
      );
    }
    const equal = equalAccuracyRatio(p, ref, 'dopri');
    const equalPi = equalAccuracyRatio(p, ref, 'dopri', 'taynode_pi');
    const round = (x: number | null) => (x === null ? null : +x.toFixed(3));
    (entry.dopri as Record<string, unknown>).nfe_ratio_equal_accuracy = round(equal.ratio);
    (entry.dopri as Record<string, unknown>).nfe_ratio_equal_accuracy_vs_pi = round(equalPi.ratio);
    entry.work_precision = [...equal.points, equalPi.points[0]];
    console.log(
      `dopri NFE / taynode NFE at equal accuracy (tolerances 1e-4..1e-10, log-log interpolation): ` +
        `${equal.ratio?.toFixed(3) ?? 'n/a'} (I controller), ${equalPi.ratio?.toFixed(3) ?? 'n/a'} (PI controller)`,
    );
    figures[p.name] = entry;
  }
  writeResults('solvers', figures);
}

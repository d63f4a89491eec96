// The demo page: starts two training workers (λ = 0 and the slider's λ), keeps their histories and
// redraws the flows, the loss and NFE charts and the numbers table on the next animation frame.
// window.__demo exposes the state (the browser test reads it).
import { lineChart, flowPanel } from './plot.js';

const LAMBDAS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];
const params = new URLSearchParams(location.search);
/** An integer or number query parameter, within [lo, hi], else the default. */
function option(name, fallback, lo, hi, integer = true) {
  const raw = params.get(name);
  const v = raw === null || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(v) && (!integer || Number.isInteger(v)) && v >= lo && v <= hi ? v : fallback;
}
const settings = {
  iterations: option('iterations', 400, 1, 100000),
  every: option('every', 10, 1, 100000),
  delay: option('delay', 0, 0, 10000),
  batch: option('batch', 256, 8, 4096),
  paths: option('paths', 24, 1, 200),
  seed: option('seed', 0, 0, 2 ** 31 - 1),
  lr: option('lr', 0.01, 1e-6, 1, false),
  lambda: option('lambda', 0.05, 1e-6, 100, false),
  order: option('order', 2, 2, 3),
};

const $ = (id) => document.getElementById(id);
const slider = $('lambda'),
  orderSelect = $('order');
const nearest = (v) =>
  LAMBDAS.reduce((best, l, i) => (Math.abs(Math.log(l / v)) < Math.abs(Math.log(LAMBDAS[best] / v)) ? i : best), 0);
slider.value = String(nearest(settings.lambda));
slider.setAttribute('aria-valuetext', `λ = ${settings.lambda}`);
orderSelect.value = String(settings.order);

const RUNS = {
  base: { key: 'base', colour: '#444', dash: [] },
  reg: { key: 'reg', colour: '#D55E00', dash: [7, 4] },
};
const state = (window.__demo = { settings, runs: {}, errors: [], done: false });
let dirty = true;

function showLambda() {
  for (const el of document.querySelectorAll('.legend-lambda')) el.textContent = String(settings.lambda);
  $('title-lambda').textContent = String(settings.lambda);
  $('title-order').textContent = String(settings.order);
  $('lambda-value').textContent = String(settings.lambda);
}

function start(key) {
  state.runs[key]?.worker.terminate();
  const lambda = key === 'base' ? 0 : settings.lambda;
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const run = {
    ...RUNS[key],
    lambda,
    order: settings.order,
    worker,
    history: [],
    latest: null,
    snapshot: null,
    done: false,
  };
  state.runs[key] = run;
  state.done = false;
  worker.onmessage = ({ data }) => {
    if (state.runs[key] !== run) return;
    if (data.type === 'progress') {
      run.history.push(data);
      run.latest = data;
    } else if (data.type === 'snapshot') run.snapshot = data;
    else if (data.type === 'done') {
      run.done = true;
      state.done = Object.values(state.runs).every((r) => r.done);
    } else if (data.type === 'error') fail(`${key === 'base' ? 'λ = 0' : `λ = ${lambda}`}: ${data.message}`);
    dirty = true;
  };
  worker.onerror = (e) => {
    e.preventDefault();
    fail(`worker: ${e.message || 'failed to load (is build/index.js served?)'}`);
  };
  worker.postMessage({ type: 'start', options: { ...settings, lambda } });
  dirty = true;
}

function fail(message) {
  state.errors.push(message);
  console.error(message);
  $('errors').textContent = state.errors.join('\n');
}

const SUB = { 2: '₂', 3: '₃' };
const fmt = (v, digits = 4) =>
  v === undefined || !Number.isFinite(v) ? '–' : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(digits);

function caption(run) {
  const l = run.latest,
    s = run.snapshot;
  if (!s) return 'waiting for the first snapshot…';
  return (
    `iteration ${s.iteration} of ${settings.iterations}: accuracy ${(100 * s.accuracy).toFixed(1)} %, ` +
    `NFE ${s.nfe} on these trajectories` +
    (l ? `, cross-entropy ${fmt(l.dataLoss)}, R${SUB[run.order]} ${fmt(l.r)}` : '')
  );
}

function draw() {
  const runs = [state.runs.base, state.runs.reg];
  for (const run of runs) {
    if (run.snapshot) flowPanel($(`flow-${run.key}`), run.snapshot);
    $(`caption-${run.key}`).textContent = caption(run);
    const row = $(`row-${run.key}`),
      l = run.latest ?? {};
    const values = {
      iteration: l.iteration ?? '–',
      dataLoss: fmt(l.dataLoss),
      r: fmt(l.r),
      nfeForward: l.nfeForward ?? '–',
      nfeBackward: l.nfeBackward ?? '–',
      accuracy: run.snapshot ? `${(100 * run.snapshot.accuracy).toFixed(1)} %` : '–',
    };
    for (const td of row.querySelectorAll('td')) td.textContent = String(values[td.dataset.field]);
  }
  const series = (field) =>
    runs.map((run) => ({
      label: run.lambda === 0 ? 'λ = 0' : `λ = ${run.lambda} (R${SUB[run.order]})`,
      colour: run.colour,
      dash: run.dash,
      points: run.history.map((h) => [h.iteration, h[field]]),
    }));
  lineChart($('chart-loss'), {
    series: series('dataLoss'),
    xMax: settings.iterations,
    xLabel: 'iteration',
    yLabel: 'cross-entropy',
    log: true,
  });
  lineChart($('chart-nfe'), {
    series: series('nfeForward'),
    xMax: settings.iterations,
    xLabel: 'iteration',
    yLabel: 'NFE (forward)',
  });

  const it = Math.min(...runs.map((r) => r.latest?.iteration ?? 0));
  const status = state.errors.length
    ? 'stopped by an error'
    : state.done
      ? `done: ${settings.iterations} iterations; NFE ${runs[0].latest?.nfeForward} (λ = 0) vs ${runs[1].latest?.nfeForward} (λ = ${runs[1].lambda})`
      : `training… iteration ${it} of ${settings.iterations}`;
  // The live region changes at snapshots and at the end, not at every iteration.
  if (state.done || state.errors.length || it % settings.every === 0) $('status').textContent = status;
  document.body.dataset.state = state.errors.length ? 'error' : state.done ? 'done' : 'running';
}

function frame() {
  if (dirty) {
    dirty = false;
    draw();
  }
  requestAnimationFrame(frame);
}

slider.addEventListener('input', () => {
  settings.lambda = LAMBDAS[Number(slider.value)];
  slider.setAttribute('aria-valuetext', `λ = ${settings.lambda}`);
  showLambda();
});
slider.addEventListener('change', () => start('reg')); // only the regularised run depends on λ
orderSelect.addEventListener('change', () => {
  settings.order = Number(orderSelect.value);
  showLambda();
  start('base');
  start('reg');
});
$('restart').addEventListener('click', () => {
  start('base');
  start('reg');
});
addEventListener('resize', () => {
  dirty = true;
});

showLambda();
start('base');
start('reg');
requestAnimationFrame(frame);

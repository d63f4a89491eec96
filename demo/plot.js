// Drawing on a plain <canvas> 2-D context: line charts of a value against iteration, and the learned
// flow's trajectories with the solver's evaluation points. No plotting library.

export const INK = '#222',
  MUTED = '#666',
  GRID = '#e3e3e3';
/** Okabe–Ito colours (safe for colour-blind readers): the two classes. */
export const CLASS_COLOURS = ['#0072B2', '#E69F00'];

/** Sizes the canvas's backing store for the screen's pixel ratio; returns the context in CSS pixels. */
export function context(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth,
    h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '12px system-ui, sans-serif';
  ctx.lineJoin = 'round';
  return { ctx, w, h };
}

/** About five round tick values covering [lo, hi]. */
function ticks(lo, hi) {
  const span = hi - lo || 1,
    raw = span / 5,
    mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const format = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(0) : String(v));

/**
 * A line chart: series [{ label, colour, dash, points: [[x, y], …] }] on x ∈ [0, xMax], y linear or log10.
 * The legend is drawn in the chart too (the page also names the series in text).
 */
export function lineChart(canvas, { series, xMax, xLabel, yLabel, log = false }) {
  const { ctx, w, h } = context(canvas);
  const m = { left: 56, right: 12, top: 26, bottom: 38 };
  const pw = w - m.left - m.right,
    ph = h - m.top - m.bottom;
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = ys.length ? Math.min(...ys) : log ? 0.1 : 0,
    hi = ys.length ? Math.max(...ys) : 1;
  if (log) {
    lo = Math.floor(Math.log10(lo));
    hi = Math.ceil(Math.log10(hi));
    if (hi === lo) hi = lo + 1;
  } else {
    lo = Math.min(0, lo);
    hi = hi === lo ? lo + 1 : hi * 1.08;
  }
  const X = (x) => m.left + (x / (xMax || 1)) * pw;
  const Y = (y) => m.top + ph - (((log ? Math.log10(y) : y) - lo) / (hi - lo)) * ph;

  ctx.strokeStyle = GRID;
  ctx.fillStyle = MUTED;
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const yTicks = log ? Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i)) : ticks(lo, hi);
  for (const v of yTicks) {
    const y = Y(v);
    ctx.beginPath();
    ctx.moveTo(m.left, y);
    ctx.lineTo(m.left + pw, y);
    ctx.stroke();
    ctx.fillText(log ? `1e${Math.round(Math.log10(v))}` : format(v), m.left - 6, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of ticks(0, xMax)) {
    const x = X(v);
    ctx.beginPath();
    ctx.moveTo(x, m.top);
    ctx.lineTo(x, m.top + ph);
    ctx.stroke();
    ctx.fillText(String(v), x, m.top + ph + 5);
  }
  ctx.strokeStyle = INK;
  ctx.strokeRect(m.left, m.top, pw, ph);
  ctx.fillStyle = INK;
  ctx.fillText(xLabel, m.left + pw / 2, h - 15);
  ctx.save();
  ctx.translate(13, m.top + ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText(yLabel, 0, 0);
  ctx.restore();

  ctx.save();
  ctx.beginPath();
  ctx.rect(m.left, m.top, pw, ph);
  ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    let started = false;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(y) || (log && y <= 0)) {
        started = false;
        continue;
      }
      if (started) ctx.lineTo(X(x), Y(y));
      else ctx.moveTo(X(x), Y(y));
      started = true;
    }
    ctx.stroke();
  }
  ctx.restore();

  // Legend above the plot.
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  let lx = m.left;
  for (const s of series) {
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    ctx.moveTo(lx, 12);
    ctx.lineTo(lx + 24, 12);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = INK;
    ctx.fillText(s.label, lx + 30, 12);
    lx += 40 + ctx.measureText(s.label).width;
  }
}

/**
 * The flow in the state plane: the training data (faint), the head's decision line in z(t1), each drawn
 * point's trajectory z(t) for t ∈ [0, 1] (open circle at t0, filled at t1) and, as small black dots, the
 * states at which dopri5 evaluated f; below, a strip with one tick per evaluation time.
 */
export function flowPanel(canvas, snap) {
  const { ctx, w, h } = context(canvas);
  const strip = 44,
    size = Math.min(w, h - strip);
  const { paths, classes, evals, points, labels, times, boundary } = snap;
  const n = classes.length,
    T = times.length;

  // A square view holding the data and the trajectories.
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  const grow = (x, y) => {
    if (Number.isFinite(x) && Number.isFinite(y)) {
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  };
  for (let i = 0; i < points.length; i += 2) grow(points[i], points[i + 1]);
  for (let i = 0; i < paths.length; i += 2) grow(paths[i], paths[i + 1]);
  const half = (Math.max(x1 - x0, y1 - y0) / 2) * 1.1 || 1,
    cx = (x0 + x1) / 2,
    cy = (y0 + y1) / 2;
  const ox = (w - size) / 2;
  const X = (x) => ox + ((x - cx + half) / (2 * half)) * size;
  const Y = (y) => ((cy + half - y) / (2 * half)) * size;

  ctx.strokeStyle = INK;
  ctx.lineWidth = 1;
  ctx.strokeRect(ox + 0.5, 0.5, size - 1, size - 1);
  ctx.save();
  ctx.beginPath();
  ctx.rect(ox, 0, size, size);
  ctx.clip();

  for (let i = 0; i < labels.length; i++) {
    ctx.fillStyle = CLASS_COLOURS[labels[i]] + '30';
    ctx.beginPath();
    ctx.arc(X(points[2 * i]), Y(points[2 * i + 1]), 2.2, 0, 2 * Math.PI);
    ctx.fill();
  }

  // Decision line a·z0 + b·z1 + c = 0 of the linear head, across the view.
  const [a, b, c] = boundary;
  if (Math.abs(a) + Math.abs(b) > 1e-12) {
    const ends =
      Math.abs(b) > Math.abs(a)
        ? [cx - 2 * half, cx + 2 * half].map((x) => [x, -(a * x + c) / b])
        : [cy - 2 * half, cy + 2 * half].map((y) => [-(b * y + c) / a, y]);
    ctx.strokeStyle = MUTED;
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(X(ends[0][0]), Y(ends[0][1]));
    ctx.lineTo(X(ends[1][0]), Y(ends[1][1]));
    ctx.stroke();
    ctx.setLineDash([]);
  }

  for (let k = 0; k < n; k++) {
    const colour = CLASS_COLOURS[classes[k]];
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    for (let j = 0; j < T; j++) {
      const px = X(paths[(j * n + k) * 2]),
        py = Y(paths[(j * n + k) * 2 + 1]);
      if (j === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    ctx.stroke();
    ctx.fillStyle = '#fff';
    ctx.beginPath();
    ctx.arc(X(paths[2 * k]), Y(paths[2 * k + 1]), 3, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(X(paths[((T - 1) * n + k) * 2]), Y(paths[((T - 1) * n + k) * 2 + 1]), 3.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.fillStyle = 'rgba(0, 0, 0, 0.7)';
  for (const [, z] of evals) {
    for (let k = 0; k < n; k++) {
      ctx.fillRect(X(z[2 * k]) - 1.2, Y(z[2 * k + 1]) - 1.2, 2.4, 2.4);
    }
  }
  ctx.restore();

  // Evaluation times on t ∈ [0, 1].
  const top = size + 8,
    left = ox + 10,
    right = ox + size - 10;
  ctx.strokeStyle = INK;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left, top + 10);
  ctx.lineTo(right, top + 10);
  ctx.stroke();
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.75)';
  for (const [t] of evals) {
    const x = left + t * (right - left);
    ctx.beginPath();
    ctx.moveTo(x, top + 2);
    ctx.lineTo(x, top + 10);
    ctx.stroke();
  }
  ctx.fillStyle = MUTED;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillText('t = 0', left, top + 14);
  ctx.textAlign = 'right';
  ctx.fillText('t = 1', right, top + 14);
  ctx.textAlign = 'center';
  ctx.fillStyle = INK;
  ctx.fillText(`f evaluated ${evals.length} times`, (left + right) / 2, top + 14);
}

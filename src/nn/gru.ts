// PyTorch's nn.GRUCell (same parameter names, layouts and gate order r, z, n):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n)
// weight_ih [3H, in], weight_hh [3H, H], bias_ih and bias_hh [3H] (stored [1, 3H]); one GEMM per
// side, the gates sliced out of it. Written against NnOps, so it also runs inside dynamics (GRU-ODE).
import { Parameter } from '../autodiff/parameter.js';
import type { Runtime } from '../runtime/wasm.js';
import type { DenseOptions } from './dense.js';
import { uniform } from './init.js';
import { qualified } from './layer.js';
import type { NnOps } from './ops.js';
import { checkLayerOptions, checkLayerSizes, checkWidth } from './spec-checks.js';

export interface GruCell {
  readonly spec: { inputs: number; hidden: number };
  readonly params: readonly Parameter[];
  readonly inputs: number;
  readonly hidden: number;
  /** One step: the next hidden state [B, H] from x [B, inputs] and h [B, H]. */
  step<V>(ops: NnOps<V>, x: V, h: V): V;
}

export function gruCell(rt: Runtime, spec: { inputs: number; hidden: number }, options: DenseOptions): GruCell {
  checkLayerSizes(spec, ['inputs', 'hidden'], 'gru');
  const inputs = checkWidth('gru.inputs', spec.inputs),
    hidden = checkWidth('gru.hidden', spec.hidden);
  const { name: prefix, init } = checkLayerOptions(options, 'options');
  const weightIh = Parameter.zeros(rt, qualified(prefix, 'weight_ih'), 3 * hidden, inputs);
  const weightHh = Parameter.zeros(rt, qualified(prefix, 'weight_hh'), 3 * hidden, hidden);
  const biasIh = Parameter.zeros(rt, qualified(prefix, 'bias_ih'), 1, 3 * hidden);
  const biasHh = Parameter.zeros(rt, qualified(prefix, 'bias_hh'), 1, 3 * hidden);
  const params = [weightIh, weightHh, biasIh, biasHh];
  if (init === 'pytorch') {
    // nn.GRUCell.reset_parameters: every parameter from U(±1/√hidden).
    for (const p of params) uniform(p, 1 / Math.sqrt(hidden), options.rng);
  } else {
    uniform(weightIh, Math.sqrt(6 / (inputs + 3 * hidden)), options.rng);
    uniform(weightHh, Math.sqrt(6 / (hidden + 3 * hidden)), options.rng);
  }
  return {
    spec: { inputs, hidden },
    params,
    inputs,
    hidden,
    step(ops, x, h) {
      const gi = ops.linear(x, weightIh, biasIh);
      const gh = ops.linear(h, weightHh, biasHh);
      const gate = (which: number, from: typeof gi) => ops.sliceCols(from, which * hidden, hidden);
      const r = ops.activation('sigmoid', ops.add(gate(0, gi), gate(0, gh)));
      const z = ops.activation('sigmoid', ops.add(gate(1, gi), gate(1, gh)));
      const n = ops.activation('tanh', ops.add(gate(2, gi), ops.mul(r, gate(2, gh))));
      return ops.add(n, ops.mul(z, ops.sub(h, n)));
    },
  };
}

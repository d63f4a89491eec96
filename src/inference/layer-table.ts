// A model's dynamics as a layer table for assembly/inference.ts: the ops (linear, concat-time linear,
// ConcatSquashLinear, activations) in order with their parameters' arena offsets, compiled once per
// model; the buffers between them are laid out once per batch size, relative to a workspace base, so
// the same words serve every call wherever that call's arena scope puts the workspace.
// What it cannot express is returned as the reason the model takes the graph path instead.
import { ACTIVATIONS, type Activation } from '../autodiff/ops/index.js';
import type { Parameter } from '../autodiff/parameter.js';
import type { Network } from '../nn/mlp.js';
import type { LayerSpec } from '../nn/layer.js';

/** One entry of the table: OP_WORDS u32 words (assembly/inference.ts documents them). */
export const OP_WORDS = 16;
const LINEAR = 1,
  SQUASH = 2,
  ACT = 3,
  COPY = 4;
/** buffer references the kernel resolves to its x and out arguments; work offsets start at WORK */
const IN = 1,
  OUT = 2,
  WORK = 16;

export type LayerOp =
  | { kind: 'linear'; inputs: number; outputs: number; concat: boolean; weight: Parameter; bias: Parameter | null }
  | {
      kind: 'squash';
      inputs: number;
      outputs: number;
      weight: Parameter;
      bias: Parameter;
      gateWeight: Parameter;
      gateBias: Parameter;
      shiftWeight: Parameter;
    }
  | { kind: 'activation'; fn: Activation };

/** The compiled stack: its ops and the state width it maps to its derivative. */
export interface LayerStack {
  readonly stateSize: number;
  readonly ops: readonly LayerOp[];
}

/** The words for one batch size: `count` entries, and the workspace bytes the buffers need. */
export interface LayerTable {
  readonly words: Uint32Array;
  readonly count: number;
  readonly workBytes: number;
}

/** The network's layer stack, or why it has none (dynamics written as code, an unexpected parameter). */
export function compileNetwork(network: Network, stateSize: number): LayerStack | string {
  if (network.mlp) {
    const { spec, layers } = network.mlp;
    const ops: LayerOp[] = [];
    layers.forEach((l, i) => {
      if (i > 0) ops.push({ kind: 'activation', fn: spec.activation });
      ops.push({
        kind: 'linear',
        inputs: l.inputs,
        outputs: l.outputs,
        concat: true,
        weight: l.weight as Parameter,
        bias: l.bias as Parameter,
      });
    });
    return { stateSize, ops };
  }
  if (!network.layer) return 'dynamics written as code (only layer descriptions and the mlp compile to a layer table)';
  const ops: LayerOp[] = [];
  const params = network.layer.params.slice();
  const reason = flatten(network.layer.spec, params, ops);
  if (reason) return reason;
  if (params.length > 0) return `${params.length} parameters the layer description does not account for`;
  return { stateSize, ops };
}

/** Appends a description's ops, taking its parameters from the front of `params` in the layer's order. */
function flatten(spec: LayerSpec, params: Parameter[], ops: LayerOp[]): string | null {
  const take = (rows: number, cols: number): Parameter | string => {
    const p = params.shift();
    if (!p || p.value.rows !== rows || p.value.cols !== cols)
      return `a parameter of shape [${rows}, ${cols}] where the description expects one`;
    return p;
  };
  switch (spec.type) {
    case 'sequential':
      for (const child of spec.layers) {
        const reason = flatten(child, params, ops);
        if (reason) return reason;
      }
      return null;
    case 'activation':
      if (!ACTIVATIONS.includes(spec.fn)) return `activation ${String(spec.fn)}`;
      ops.push({ kind: 'activation', fn: spec.fn });
      return null;
    case 'linear':
    case 'concatLinear': {
      const concat = spec.type === 'concatLinear';
      const weight = take(spec.outputs, spec.inputs + (concat ? 1 : 0));
      if (typeof weight === 'string') return weight;
      let bias: Parameter | string | null = null;
      if (concat || (spec as { bias?: boolean }).bias !== false) bias = take(1, spec.outputs);
      if (typeof bias === 'string') return bias;
      ops.push({ kind: 'linear', inputs: spec.inputs, outputs: spec.outputs, concat, weight, bias });
      return null;
    }
    case 'concatSquashLinear': {
      const shapes: [number, number][] = [
        [spec.outputs, spec.inputs],
        [1, spec.outputs],
        [spec.outputs, 1],
        [1, spec.outputs],
        [spec.outputs, 1],
      ];
      const taken: Parameter[] = [];
      for (const [r, c] of shapes) {
        const p = take(r, c);
        if (typeof p === 'string') return p;
        taken.push(p);
      }
      const [weight, bias, gateWeight, gateBias, shiftWeight] = taken;
      ops.push({
        kind: 'squash',
        inputs: spec.inputs,
        outputs: spec.outputs,
        weight,
        bias,
        gateWeight,
        gateBias,
        shiftWeight,
      });
      return null;
    }
    default:
      return `layer type ${(spec as { type?: unknown }).type as string}`;
  }
}

/** Lays the stack out for `batch` rows of `valueBytes`-byte values: every op's output in a buffer of its own. */
export function layoutTable(stack: LayerStack, batch: number, valueBytes: number): LayerTable {
  const { ops, stateSize } = stack;
  const entries: number[][] = [];
  let workBytes = 0;
  const buffer = (width: number) => {
    const ref = WORK + workBytes;
    workBytes += Math.ceil((batch * width * valueBytes) / 16) * 16;
    return ref;
  };
  const readsTime = (i: number) => {
    const op = ops[i];
    return op !== undefined && op.kind === 'linear' && op.concat;
  };
  // The current value: where it lives, its row stride, its width.
  let src = IN,
    srcStride = stateSize,
    width = stateSize;
  if (readsTime(0)) {
    const dst = buffer(stateSize + 1);
    entries.push([COPY, IN, stateSize, stateSize, 0, 0, 0, dst, stateSize + 1, stateSize]);
    src = dst;
    srcStride = stateSize + 1;
  }
  ops.forEach((op, i) => {
    const outWidth = op.kind === 'activation' ? width : op.outputs;
    const last = i === ops.length - 1;
    const stride = last ? stateSize : outWidth + (readsTime(i + 1) ? 1 : 0);
    const dst = last ? OUT : buffer(stride);
    if (op.kind === 'activation') {
      entries.push([ACT, src, srcStride, width, 0, 0, 0, dst, stride, width, 0, 0, 0, ACTIVATIONS.indexOf(op.fn)]);
    } else if (op.kind === 'linear') {
      entries.push([
        LINEAR,
        src,
        srcStride,
        op.inputs + (op.concat ? 1 : 0),
        op.concat ? 1 : 0,
        op.weight.value.offset,
        op.bias?.value.offset ?? 0,
        dst,
        stride,
        op.outputs,
      ]);
    } else {
      entries.push([
        SQUASH,
        src,
        srcStride,
        op.inputs,
        0,
        op.weight.value.offset,
        op.bias.value.offset,
        dst,
        stride,
        op.outputs,
        op.gateWeight.value.offset,
        op.gateBias.value.offset,
        op.shiftWeight.value.offset,
      ]);
    }
    src = dst;
    srcStride = stride;
    width = outWidth;
  });
  const words = new Uint32Array(entries.length * OP_WORDS);
  entries.forEach((e, i) => words.set(e, i * OP_WORDS));
  return { words, count: entries.length, workBytes };
}

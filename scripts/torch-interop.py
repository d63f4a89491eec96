#!/usr/bin/env python3
"""PyTorch interop for taynode model files (needs torch and safetensors; CI runs only the committed fixture).

The PyTorch module equivalent to a taynode NeuralOde MLP: before every Linear the time t is
concatenated as the LAST input column, so layer l is nn.Linear(widths[l] + 1, widths[l + 1]) with
weight [out, in + 1] and bias [out]; the activation follows every layer but the last. Its state_dict
keys (layer0.weight, layer0.bias, ...) are the tensor names of taynode's files.

  export OUT    build a seeded float32 module, save it with safetensors.torch.save_file (float32, with
                taynode's metadata so loadModel needs no options), and write OUT's .expected.json: f on a
                fixed input computed by PyTorch in float32 and, on the same weights, in float64
  check [FILE]  load a taynode-saved file (default: fresh F64 and F32 ones from scripts/taynode-f.ts)
                into the module with load_state_dict(load_file(FILE)) and compare f with taynode's f
                (both in float64, on the file's weights: they must agree to 1e-12)

Composed models (taynode's Model, format taynode.model: encoder -> ODE blocks -> head) are built from
the ModelSpec JSON in the file's metadata by `ComposedModel`, out of modules whose state_dict names are
taynode's parameter names: Linear (weight [out, in], bias [out]), ConcatLinear (time as the LAST input
column, weight [out, in + 1]), ConcatSquashLinear (FFJORD's: _layer, _hyper_gate, _hyper_bias), the
activations (no parameters), TimeSequential (nn.Sequential's 0., 1., ... names, passing t on) and
GruEncoder (torch.nn.GRUCell itself as `gru`, run over the steps, backwards by default, h0 = 0, then
`readout`), under encoder., blocks.<i>. and head.

  export-model OUT    build the composed model of COMPOSED_SPEC seeded in float32, save it with
                      safetensors.torch.save_file and taynode.model metadata, and write OUT's
                      .expected.json: PyTorch's float64 values, on the same float32 weights, of one
                      GRUCell step, the encoder output z0, a block's f(t, z) and the head output
  check-model [FILE]  load a taynode-saved composed model file (default: the committed fixture resaved by
                      taynode's saveModel as F32, which must be its float32 tensors bit for bit, and as
                      F64, and a fresh F64 model of the same spec) into ComposedModel with a strict
                      load_state_dict and compare those values with taynode's (float64, 1e-12 relative)
"""
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

ROOT = Path(__file__).resolve().parent.parent
ACTIVATIONS = {'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'softplus': torch.nn.functional.softplus, 'relu': torch.relu}
# A fixed probe: t and a batch of states for a 3-dimensional model.
PROBE_T = 0.375
PROBE_Z = [[0.5, -1.25, 2.0], [-0.75, 0.1, 0.3], [1.5, 2.5, -2.0], [0.0, 0.0, 0.0]]


class NeuralOdeMlp(torch.nn.Module):
    def __init__(self, widths, activation):
        super().__init__()
        self.depth = len(widths) - 1
        self.activation = ACTIVATIONS[activation]
        for l in range(self.depth):
            setattr(self, f'layer{l}', torch.nn.Linear(widths[l] + 1, widths[l + 1]))

    def forward(self, t, z):
        h = z
        for l in range(self.depth):
            if l > 0:
                h = self.activation(h)
            time = torch.full((h.shape[0], 1), t, dtype=h.dtype)
            h = getattr(self, f'layer{l}')(torch.cat([h, time], dim=1))
        return h


def module_f(module, dtype):
    module = module.to(dtype)
    with torch.no_grad():
        return module(PROBE_T, torch.tensor(PROBE_Z, dtype=dtype)).tolist()


def export(out):
    config = {'mlp': {'widths': [3, 6, 5, 3], 'activation': 'softplus'}, 'solver': {'method': 'dopri5'}, 'gradient': 'checkpoint', 't0': 0, 't1': 1}
    torch.manual_seed(20240601)
    module = NeuralOdeMlp(config['mlp']['widths'], config['mlp']['activation']).float()
    metadata = {'format': 'taynode.neural-ode', 'version': '2', 'config': json.dumps(config), 'writer': 'scripts/torch-interop.py (safetensors.torch.save_file, float32)'}
    save_file({k: v.contiguous() for k, v in module.state_dict().items()}, out, metadata=metadata)
    expected = {'t': PROBE_T, 'z': PROBE_Z, 'f_float32': module_f(module, torch.float32), 'f_float64': module_f(module, torch.float64)}
    expected_path = Path(out).with_suffix('.expected.json')
    expected_path.write_text(json.dumps(expected, indent=1) + '\n')
    print(f'wrote {out} and {expected_path}')


def taynode(*args):
    command = ['node', '--import', 'tsx', '--import', './tests/setup/register-wasm-loader.mjs', 'scripts/taynode-f.ts', *args]
    return subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def check(path=None):
    if path is None:
        for dtype in ('F64', 'F32'):
            fresh = str(Path(tempfile.mkdtemp()) / f'taynode-model-{dtype}.safetensors')
            taynode('save', fresh, dtype)
            check(fresh)
        return
    with safe_open(path, framework='pt') as f:
        config = json.loads(f.metadata()['config'])
    # float64, so an F64 file's weights are not rounded on the way in (load_state_dict casts to the module's dtype)
    module = NeuralOdeMlp(config['mlp']['widths'], config['mlp']['activation']).double()
    module.load_state_dict(load_file(path))  # strict: every name and shape must match
    ours = json.loads(taynode('f', path, str(PROBE_T), json.dumps(PROBE_Z)))
    theirs = module_f(module, torch.float64)
    error = max(abs(a - b) for ra, rb in zip(ours, theirs) for a, b in zip(ra, rb))
    print(f'{path}: max |f_taynode - f_torch| = {error:.3g} (float64)')
    if error > 1e-12:
        sys.exit('mismatch')


# ---- composed models (taynode.model) ----

def softplus(x):
    return torch.logaddexp(x, torch.zeros_like(x))  # log(1 + e^x) exactly, as taynode (torch's softplus turns linear above 20)


LAYER_ACTIVATIONS = {
    'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'softplus': softplus, 'relu': torch.relu,
    'sin': torch.sin, 'cos': torch.cos, 'exp': torch.exp, 'log': torch.log, 'square': torch.square,
}


class Activation(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn_name = fn
        self.fn = LAYER_ACTIVATIONS[fn]

    def forward(self, t, x):
        return self.fn(x)


class Linear(torch.nn.Linear):
    def forward(self, t, x):
        return super().forward(x)


def time_column(t, x):
    return torch.full((x.shape[0], 1), t, dtype=x.dtype)


class ConcatLinear(torch.nn.Linear):
    """taynode's concatLinear: [x, t] (time LAST) through nn.Linear(in + 1, out); FFJORD puts t first."""

    def __init__(self, inputs, outputs):
        super().__init__(inputs + 1, outputs)

    def forward(self, t, x):
        return super().forward(torch.cat([x, time_column(t, x)], dim=1))


class ConcatSquashLinear(torch.nn.Module):
    """FFJORD's ConcatSquashLinear: _layer(x) * sigmoid(_hyper_gate(t)) + _hyper_bias(t)."""

    def __init__(self, inputs, outputs):
        super().__init__()
        self._layer = torch.nn.Linear(inputs, outputs)
        self._hyper_gate = torch.nn.Linear(1, outputs)
        self._hyper_bias = torch.nn.Linear(1, outputs, bias=False)

    def forward(self, t, x):
        tt = torch.full((1, 1), t, dtype=x.dtype)
        return self._layer(x) * torch.sigmoid(self._hyper_gate(tt)) + self._hyper_bias(tt)


class TimeSequential(torch.nn.Sequential):
    """nn.Sequential (children 0., 1., ...) whose children all take (t, x)."""

    def forward(self, t, x):
        for layer in self:
            x = layer(t, x)
        return x


def build_layer(spec):
    kind = spec['type']
    if kind == 'linear':
        return Linear(spec['inputs'], spec['outputs'], bias=spec.get('bias', True))
    if kind == 'concatLinear':
        return ConcatLinear(spec['inputs'], spec['outputs'])
    if kind == 'concatSquashLinear':
        return ConcatSquashLinear(spec['inputs'], spec['outputs'])
    if kind == 'activation':
        return Activation(spec['fn'])
    if kind == 'sequential':
        return TimeSequential(*[build_layer(l) for l in spec['layers']])
    raise ValueError(f'unknown layer type {kind!r}')


class GruEncoder(torch.nn.Module):
    """taynode's gruEncoder: x [batch, steps * inputs] time-major; torch.nn.GRUCell over the steps (last to
    first unless reverse is false) from h0 = 0, the last state through the readout layer."""

    def __init__(self, spec):
        super().__init__()
        self.steps, self.inputs, self.hidden = spec['steps'], spec['inputs'], spec['hidden']
        self.reverse = spec.get('reverse', True)
        self.gru = torch.nn.GRUCell(self.inputs, self.hidden)
        self.readout = build_layer(spec['readout'])

    def forward(self, x):
        x = x.view(x.shape[0], self.steps, self.inputs)
        h = torch.zeros(x.shape[0], self.hidden, dtype=x.dtype)
        order = range(self.steps - 1, -1, -1) if self.reverse else range(self.steps)
        for step in order:
            h = self.gru(x[:, step], h)
        return self.readout(0.0, h)


class ComposedModel(torch.nn.Module):
    """taynode's Model (encoder -> blocks -> head) from its ModelSpec; state_dict keys are taynode's names."""

    def __init__(self, spec):
        super().__init__()
        enc = spec.get('encoder')
        self.encoder = None if enc is None else GruEncoder(enc) if enc['type'] == 'gru' else build_layer(enc)
        self.blocks = torch.nn.ModuleList([build_layer(b['dynamics']) for b in spec['blocks']])
        self.block_t1 = [b.get('t1', 1) for b in spec['blocks']]
        self.head = None if spec.get('head') is None else build_layer(spec['head'])

    def encode(self, x):
        if self.encoder is None:
            return x
        return self.encoder(x) if isinstance(self.encoder, GruEncoder) else self.encoder(0.0, x)

    def f(self, block, t, z):
        return self.blocks[block](t, z)

    def decode(self, z):
        return z if self.head is None else self.head(self.block_t1[-1], z)


# The composed fixture: GRU encoder (3 features, 5 hidden, 4 steps) + readout 5 -> 4; one block whose
# dynamics mix both time-dependent layers; a head 4 -> 3.
COMPOSED_SPEC = {
    'encoder': {'type': 'gru', 'inputs': 3, 'hidden': 5, 'steps': 4, 'reverse': True, 'readout': {'type': 'linear', 'inputs': 5, 'outputs': 4}},
    'blocks': [{
        'dynamics': {'type': 'sequential', 'layers': [
            {'type': 'activation', 'fn': 'sigmoid'}, {'type': 'concatLinear', 'inputs': 4, 'outputs': 8},
            {'type': 'activation', 'fn': 'tanh'}, {'type': 'concatSquashLinear', 'inputs': 8, 'outputs': 4}]},
        'solver': {'method': 'dopri5'}, 'gradient': 'checkpoint', 't0': 0, 't1': 1}],
    'head': {'type': 'sequential', 'layers': [{'type': 'activation', 'fn': 'sigmoid'}, {'type': 'linear', 'inputs': 4, 'outputs': 3}]},
}
# Fixed probes: two sequences (4 steps x 3 features, time-major), one GRU step, a time and a batch of states.
PROBE_X = [[0.5, -1.25, 2.0, -0.75, 0.1, 0.3, 1.5, 2.5, -2.0, 0.0, 0.25, -0.5],
           [-1.0, 0.75, 0.125, 2.25, -0.625, 1.0, -0.3, 0.9, 0.0, 1.75, -1.5, 0.4]]
PROBE_GRU_X = [[0.5, -1.25, 2.0], [-0.75, 0.1, 0.3]]
PROBE_GRU_H = [[0.1, -0.2, 0.3, -0.4, 0.5], [0.9, 0.0, -0.6, 0.25, -0.125]]
PROBE_Z4 = [[0.5, -1.25, 2.0, 0.25], [-0.75, 0.1, 0.3, -2.0], [1.5, 2.5, -2.0, 0.0]]


def composed_values(model, dtype=torch.float64):
    """What the fixture's .expected.json holds, evaluated by `model` in dtype."""
    model = model.to(dtype)
    tensor = lambda rows: torch.tensor(rows, dtype=dtype)
    with torch.no_grad():
        values = {
            'z0': model.encode(tensor(PROBE_X)).tolist(),
            'f': model.f(0, PROBE_T, tensor(PROBE_Z4)).tolist(),
            'head': model.decode(tensor(PROBE_Z4)).tolist(),
        }
        if isinstance(model.encoder, GruEncoder):
            values['gru_step'] = model.encoder.gru(tensor(PROBE_GRU_X), tensor(PROBE_GRU_H)).tolist()
    return values


def gru_formula_check(cell):
    """torch.nn.GRUCell against its documented equations (gates r, z, n), in float64: the reference is torch's module."""
    cell = cell.double()
    x, h = torch.tensor(PROBE_GRU_X, dtype=torch.float64), torch.tensor(PROBE_GRU_H, dtype=torch.float64)
    gi, gh = x @ cell.weight_ih.T + cell.bias_ih, h @ cell.weight_hh.T + cell.bias_hh
    H = cell.hidden_size
    r = torch.sigmoid(gi[:, :H] + gh[:, :H])
    z = torch.sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = torch.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    with torch.no_grad():
        error = ((1 - z) * n + z * h - cell(x, h)).abs().max().item()
    if error > 1e-14:
        sys.exit(f'torch.nn.GRUCell disagrees with the GRU equations taynode implements: {error:.3g}')


def export_model(out):
    torch.manual_seed(20240602)
    model = ComposedModel(COMPOSED_SPEC).float()
    gru_formula_check(copy.deepcopy(model.encoder.gru))
    metadata = {'format': 'taynode.model', 'version': '1', 'spec': json.dumps(COMPOSED_SPEC), 'writer': 'scripts/torch-interop.py (safetensors.torch.save_file, float32)'}
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, out, metadata=metadata)
    # float64 on the float32 weights (widening is exact), from a copy so the saved module stays float32
    reference = ComposedModel(COMPOSED_SPEC).double()
    reference.load_state_dict(load_file(out))
    expected = {'t': PROBE_T, 'x': PROBE_X, 'gru_x': PROBE_GRU_X, 'gru_h': PROBE_GRU_H, 'z': PROBE_Z4, **composed_values(reference)}
    expected_path = Path(out).with_suffix('.expected.json')
    expected_path.write_text(json.dumps(expected) + '\n')
    print(f'wrote {out} and {expected_path}')


# taynode's side of check-model, run as an ES module under tsx (argv: command, file[, out, dtype]):
#   resave FIXTURE OUT DTYPE   loadComposedModel(FIXTURE) then saveModel(model, {}, { dtype }) to OUT
#   fresh FIXTURE OUT          Model.create of FIXTURE's spec with fresh (float64, seeded) weights, saved F64 to OUT
#   values FILE PROBES_JSON    the composed_values of the model in FILE as JSON
TAYNODE_COMPOSED = r"""
import { readFileSync, writeFileSync } from 'node:fs';
const { createRuntimeSync } = await import('./src/runtime/wasm.js');
const { Tensor } = await import('./src/runtime/tensor.js');
const { Tape } = await import('./src/autodiff/tape.js');
const { tapeOps } = await import('./src/nn/ops.js');
const { loadComposedModel, saveModel } = await import('./src/model/serialize.js');
const { Model } = await import('./src/model/model.js');
const { Rng } = await import('./src/random.js');
const rt = createRuntimeSync();
const [command, file, ...rest] = process.argv.slice(1);
const { model } = loadComposedModel(rt, new Uint8Array(readFileSync(file)));
if (command === 'resave') {
  writeFileSync(rest[0], saveModel(model, {}, { dtype: rest[1] }));
} else if (command === 'fresh') {
  writeFileSync(rest[0], saveModel(Model.create(rt, model.spec, new Rng(7))));
} else {
  const p = JSON.parse(rest[0]);
  const tensor = (rows) => Tensor.from(rt.arena, rows.flat(), rows.length, rows[0].length);
  const rowsOf = (v, width) => { const d = Array.from(v.data); return d.reduce((r, _, i) => (i % width ? r : [...r, d.slice(i, i + width)]), []); };
  const tape = new Tape(rt);
  const ops = tapeOps(tape, 0, { grad: false });
  const enc = model.encoder;
  const z0 = enc.apply(ops, tape.constant(tensor(p.x)), tape);
  const h1 = enc.gru.step(ops, tape.constant(tensor(p.gru_x)), tape.constant(tensor(p.gru_h)));
  const out = Tensor.zeros(rt.arena, p.z.length, model.stateSize);
  model.blocks[0].network.graph.f(p.t, tensor(p.z), out);
  const head = model.head.apply(tapeOps(tape, model.blocks.at(-1).config.t1, { grad: false }), tape.constant(tensor(p.z)));
  console.log(JSON.stringify({ z0: rowsOf(z0.value, model.stateSize), f: rowsOf(out, model.stateSize), head: rowsOf(head.value, model.outputWidth), gru_step: rowsOf(h1.value, enc.gru.hidden) }));
}
"""


def taynode_composed(*args):
    command = ['node', '--import', 'tsx', '--import', './tests/setup/register-wasm-loader.mjs', '--input-type=module', '-e', TAYNODE_COMPOSED, *args]
    return subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def max_relative_error(ours, theirs):
    flat = lambda rows: [v for row in rows for v in row]
    a, b = flat(ours), flat(theirs)
    if len(a) != len(b):
        return float('inf')
    scale = max(abs(v) for v in b) or 1.0
    return max(abs(x - y) for x, y in zip(a, b)) / scale


COMPOSED_FIXTURE = ROOT / 'tests' / 'fixtures' / 'torch-f32-composed.safetensors'


def check_model(path=None):
    if path is None:
        fixture_tensors = load_file(str(COMPOSED_FIXTURE))
        for dtype in ('F32', 'F64'):
            fresh = str(Path(tempfile.mkdtemp()) / f'taynode-composed-{dtype}.safetensors')
            taynode_composed('resave', str(COMPOSED_FIXTURE), fresh, dtype)
            if dtype == 'F32':
                resaved = load_file(fresh)
                if resaved.keys() != fixture_tensors.keys() or any(resaved[k].dtype != torch.float32 or not torch.equal(resaved[k], fixture_tensors[k]) for k in resaved):
                    sys.exit(f'{fresh}: the F32 resave is not the fixture\'s float32 tensors bit for bit')
                print(f'{fresh}: same float32 tensors (names, shapes, bits) as the fixture')
            check_model(fresh)
        fresh = str(Path(tempfile.mkdtemp()) / 'taynode-composed-fresh-F64.safetensors')
        taynode_composed('fresh', str(COMPOSED_FIXTURE), fresh)
        check_model(fresh)
        return
    with safe_open(path, framework='pt') as f:
        metadata = f.metadata()
    if metadata.get('format') != 'taynode.model':
        sys.exit(f'{path}: format {metadata.get("format")!r}, expected taynode.model')
    model = ComposedModel(json.loads(metadata['spec'])).double()  # float64: an F64 file's weights arrive unrounded
    model.load_state_dict(load_file(path))  # strict: every name and shape must match
    probes = {'t': PROBE_T, 'x': PROBE_X, 'gru_x': PROBE_GRU_X, 'gru_h': PROBE_GRU_H, 'z': PROBE_Z4}
    ours = json.loads(taynode_composed('values', path, json.dumps(probes)))
    theirs = composed_values(model)
    worst = 0.0
    for key, value in theirs.items():
        error = max_relative_error(ours[key], value)
        worst = max(worst, error)
        print(f'{path}: {key}: max |taynode - torch| / max |torch| = {error:.3g} (float64)')
    if worst > 1e-12:
        sys.exit('mismatch')


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'export':
        export(sys.argv[2])
    elif len(sys.argv) in (2, 3) and sys.argv[1] == 'check':
        check(sys.argv[2] if len(sys.argv) == 3 else None)
    elif len(sys.argv) == 3 and sys.argv[1] == 'export-model':
        export_model(sys.argv[2])
    elif len(sys.argv) in (2, 3) and sys.argv[1] == 'check-model':
        check_model(sys.argv[2] if len(sys.argv) == 3 else None)
    else:
        sys.exit(__doc__)

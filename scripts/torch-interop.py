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
"""
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


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'export':
        export(sys.argv[2])
    elif len(sys.argv) in (2, 3) and sys.argv[1] == 'check':
        check(sys.argv[2] if len(sys.argv) == 3 else None)
    else:
        sys.exit(__doc__)

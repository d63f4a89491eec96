// The Taylor VJP kernels treat a zero cotangent pointer as "not needed" (kernels.ts, TaylorKernels):
// nothing may be written at address 0, where the module's static data lives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Rng } from '../../src/random.js';
import { randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena, kernels: k } = rt;
const K = 3;
const N = 5;

test('a null gx / gy / gs is skipped by every Taylor VJP, at every order', () => {
  const rng = new Rng(9);
  const jet = () => Tensor.from(arena, randomArray(rng, (K + 1) * N, 0.5, 1.5), K + 1, N);
  const low = () => arena.f64.slice(0, (K + 1) * N + 2);
  for (let order = 0; order <= K; order++)
    arena.scope(() => {
      const [a, b, g, h] = [jet(), jet(), jet(), jet()];
      const before = low();
      const calls: [string, () => void][] = [
        ['taylor_dphi_vjp', () => k.taylor_dphi_vjp(0, 0, g.offset, a.offset, b.offset, 0.5, N, order)],
        ['taylor_quad_vjp', () => k.taylor_quad_vjp(0, g.offset, a.offset, 0.3, -1, N, order)],
        ['taylor_mul_vjp', () => k.taylor_mul_vjp(0, 0, g.offset, a.offset, b.offset, N, order)],
        ['taylor_log_vjp', () => k.taylor_log_vjp(0, h.offset, a.offset, b.offset, N, order)],
        ['taylor_relu_vjp', () => k.taylor_relu_vjp(0, g.offset, a.offset, N, order)],
      ];
      for (const [name, call] of calls) {
        call();
        assert.equal(Array.from(low()), Array.from(before), `${name} k=${order} wrote at address 0`);
      }
    });
});

test.run();

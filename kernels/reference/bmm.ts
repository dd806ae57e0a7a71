/** Float64 twin of bmm: per batch, the 2-D matmul twin of reference/linear.ts. */
import { matmulBackward, matmulForward, type MatmulDims } from './linear';

type Arr = ArrayLike<number>;

const slice = (x: Arr, k: number, n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => x[k * n + i]);

/** Stored shapes per batch in `d` (a [B, ...d.a], b [B, ...d.b]). */
export function bmmForward(a: Arr, b: Arr, B: number, d: MatmulDims): Float64Array {
  const na = d.a[0] * d.a[1];
  const nb = d.b[0] * d.b[1];
  const parts = Array.from({ length: B }, (_, k) => matmulForward(slice(a, k, na), slice(b, k, nb), d));
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  parts.forEach((p, k) => out.set(p, k * p.length));
  return out;
}

export function bmmBackward(a: Arr, b: Arr, dy: Arr, B: number, d: MatmulDims): { da: Float64Array; db: Float64Array } {
  const na = d.a[0] * d.a[1];
  const nb = d.b[0] * d.b[1];
  const ny = dy.length / Math.max(B, 1);
  const da = new Float64Array(B * na);
  const db = new Float64Array(B * nb);
  for (let k = 0; k < B; k++) {
    const g = matmulBackward(slice(a, k, na), slice(b, k, nb), slice(dy, k, ny), d);
    da.set(g.da, k * na);
    db.set(g.db, k * nb);
  }
  return { da, db };
}

/** bmm with a bias [N] added to every output row (a GCN's Â (X W) + b). */
export function bmmBiasForward(a: Arr, b: Arr, bias: Arr, B: number, d: MatmulDims): Float64Array {
  const y = bmmForward(a, b, B, d);
  const n = bias.length;
  return y.map((v, i) => v + bias[i % n]);
}

/** The bias's gradient is the column sum of dy over every row of every batch; a and b as bmm's. */
export function bmmBiasBackward(a: Arr, b: Arr, n: number, dy: Arr, B: number, d: MatmulDims): { da: Float64Array; db: Float64Array; dbias: Float64Array } {
  const dbias = new Float64Array(n);
  for (let i = 0; i < dy.length; i++) dbias[i % n] += dy[i];
  return { ...bmmBackward(a, b, dy, B, d), dbias };
}

// Strided, batched, register-blocked GEMM: C[b] (+)= A[b] B[b], with an optional fused epilogue
// act(A B + bias) for linear layers. A[M,K], B[K,N] and C[M,N] are *logical* views given by element
// strides (batch, row, column), so transposed operands and transposed outputs need no copies:
// transposing a view swaps its row and column strides.
//
// Each invocation computes a 4x4 block of C in registers and reads A and B straight from storage:
// no workgroup memory and no workgroupBarrier, which CPU adapters (SwiftShader, lavapipe) punish.
// Out-of-range rows/columns load from a clamped (valid) index and are simply not stored, which keeps
// the inner loop branch-free for any M, N, K.
//
// The host prepends the activation math of activation.wgsl (fn act, fn act_derivative) and replaces
// the workgroup size (see bmm.ts); the epilogue's activation code is act = 1 + activation index, and
// 0 means identity.

struct Params {
  M: u32, N: u32, K: u32,
  aBatch: u32, aRow: u32, aCol: u32,
  bBatch: u32, bRow: u32, bCol: u32,
  cBatch: u32, cRow: u32, cCol: u32,
  // 1: C = C + A B (backward accumulation); 0: C = A B.
  accumulate: u32,
  hasBias: u32,
  act: u32,
  // Split-K (gemm_partial / gemm_reduce): K is cut into `splits` chunks of `kChunk`.
  splits: u32,
  kChunk: u32,
  batches: u32,
  // 1: A's rows and B's columns are contiguous along k (aCol = bRow = 1, the x Wᵀ of a linear
  // layer) and every stride and K are multiples of 4: read both as vec4 along k (gemm_block_nt4).
  nt4: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
// act'(A B + bias), the activation's derivative at the pre-activation, saved for the backward of a
// fused activation: the backward's dZ = dY ⊙ gate is then one multiply per element, which the linear
// backward folds into its own reads of dZ (linear.wgsl) instead of a separate activation pass.
@group(0) @binding(5) var<storage, read_write> gate: array<f32>;
// Split-K partial products, [batch * splits, M, N] row-major.
@group(0) @binding(6) var<storage, read_write> partial: array<f32>;
// A and B again, as vec4 (bound to the same buffers; read only when params.nt4 = 1).
@group(0) @binding(7) var<storage, read> a4: array<vec4f>;
@group(0) @binding(8) var<storage, read> b4: array<vec4f>;

const WG_REDUCE = 256u;

// The 4x4 block whose top-left corner is (r0, c0) in batch `batch`: acc[r][j] = C(r0 + r, c0 + j).
fn gemm_block(batch: u32, r0: u32, c0: u32) -> array<vec4f, 4> {
  if (params.nt4 != 0u) { return gemm_block_nt4(batch, r0, c0); }
  return gemm_block_range(batch, r0, c0, 0u, params.K);
}

// The same block when A[r, k..k+3] and B[k..k+3, c] are contiguous vec4s: per four k, four vec4 of
// A rows and four of B columns give the 16 outputs' partial sums as dot products (on CPU adapters
// a quarter of the loads of the scalar loop). Sums in chunks of four k, so it rounds differently
// from gemm_block_range; every run on one adapter still takes the same path.
fn gemm_block_nt4(batch: u32, r0: u32, c0: u32) -> array<vec4f, 4> {
  let p = params;
  let lastRow = p.M - 1u;
  let lastCol = p.N - 1u;
  let aBase = batch * p.aBatch / 4u;
  let bBase = batch * p.bBatch / 4u;
  let a0 = aBase + min(r0, lastRow) * p.aRow / 4u;
  let a1 = aBase + min(r0 + 1u, lastRow) * p.aRow / 4u;
  let a2 = aBase + min(r0 + 2u, lastRow) * p.aRow / 4u;
  let a3 = aBase + min(r0 + 3u, lastRow) * p.aRow / 4u;
  let b0 = bBase + min(c0, lastCol) * p.bCol / 4u;
  let b1 = bBase + min(c0 + 1u, lastCol) * p.bCol / 4u;
  let b2 = bBase + min(c0 + 2u, lastCol) * p.bCol / 4u;
  let b3 = bBase + min(c0 + 3u, lastCol) * p.bCol / 4u;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k4 = 0u; k4 < p.K / 4u; k4++) {
    let w0 = b4[b0 + k4];
    let w1 = b4[b1 + k4];
    let w2 = b4[b2 + k4];
    let w3 = b4[b3 + k4];
    let x0 = a4[a0 + k4];
    let x1 = a4[a1 + k4];
    let x2 = a4[a2 + k4];
    let x3 = a4[a3 + k4];
    acc0 += vec4f(dot(x0, w0), dot(x0, w1), dot(x0, w2), dot(x0, w3));
    acc1 += vec4f(dot(x1, w0), dot(x1, w1), dot(x1, w2), dot(x1, w3));
    acc2 += vec4f(dot(x2, w0), dot(x2, w1), dot(x2, w2), dot(x2, w3));
    acc3 += vec4f(dot(x3, w0), dot(x3, w1), dot(x3, w2), dot(x3, w3));
  }
  return array<vec4f, 4>(acc0, acc1, acc2, acc3);
}

// The same block, summed over k in [k0, k1) only.
fn gemm_block_range(batch: u32, r0: u32, c0: u32, k0: u32, k1: u32) -> array<vec4f, 4> {
  let p = params;
  let aBase = batch * p.aBatch;
  let bBase = batch * p.bBatch;
  let lastRow = p.M - 1u;
  let lastCol = p.N - 1u;
  let a0 = aBase + min(r0, lastRow) * p.aRow;
  let a1 = aBase + min(r0 + 1u, lastRow) * p.aRow;
  let a2 = aBase + min(r0 + 2u, lastRow) * p.aRow;
  let a3 = aBase + min(r0 + 3u, lastRow) * p.aRow;
  let b0 = bBase + min(c0, lastCol) * p.bCol;
  let b1 = bBase + min(c0 + 1u, lastCol) * p.bCol;
  let b2 = bBase + min(c0 + 2u, lastCol) * p.bCol;
  let b3 = bBase + min(c0 + 3u, lastCol) * p.bCol;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k = k0; k < k1; k++) {
    let ak = k * p.aCol;
    let bk = k * p.bRow;
    let bv = vec4f(b[b0 + bk], b[b1 + bk], b[b2 + bk], b[b3 + bk]);
    acc0 = fma(vec4f(a[a0 + ak]), bv, acc0);
    acc1 = fma(vec4f(a[a1 + ak]), bv, acc1);
    acc2 = fma(vec4f(a[a2 + ak]), bv, acc2);
    acc3 = fma(vec4f(a[a3 + ak]), bv, acc3);
  }
  return array<vec4f, 4>(acc0, acc1, acc2, acc3);
}

fn c_index(batch: u32, row: u32, col: u32) -> u32 {
  return batch * params.cBatch + row * params.cRow + col * params.cCol;
}

@compute @workgroup_size(8, 8)
fn gemm(@builtin(global_invocation_id) gid: vec3u) {
  let r0 = gid.y * 4u;
  let c0 = gid.x * 4u;
  if (r0 >= params.M || c0 >= params.N) { return; }
  var acc = gemm_block(gid.z, r0, c0);
  for (var r = 0u; r < 4u; r++) {
    let row = r0 + r;
    if (row >= params.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = c0 + j;
      if (col >= params.N) { break; }
      let i = c_index(gid.z, row, col);
      var v = acc[r][j];
      if (params.accumulate != 0u) { v = v + c[i]; }
      c[i] = v;
    }
  }
}

fn epilogue_value(pre: f32, col: u32) -> f32 {
  var v = pre;
  if (params.hasBias != 0u) { v = v + bias[col]; }
  return v;
}

fn apply_act(v: f32) -> f32 {
  if (params.act == 0u) { return v; }
  return act(v, params.act - 1u);
}

// C = act(A B + bias). Bias is indexed by the output column.
@compute @workgroup_size(8, 8)
fn gemm_epilogue(@builtin(global_invocation_id) gid: vec3u) {
  let r0 = gid.y * 4u;
  let c0 = gid.x * 4u;
  if (r0 >= params.M || c0 >= params.N) { return; }
  var acc = gemm_block(gid.z, r0, c0);
  for (var r = 0u; r < 4u; r++) {
    let row = r0 + r;
    if (row >= params.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = c0 + j;
      if (col >= params.N) { break; }
      c[c_index(gid.z, row, col)] = apply_act(epilogue_value(acc[r][j], col));
    }
  }
}

// The same, also storing gate = act'(A B + bias) (same layout as C) for the backward.
@compute @workgroup_size(8, 8)
fn gemm_epilogue_gate(@builtin(global_invocation_id) gid: vec3u) {
  let r0 = gid.y * 4u;
  let c0 = gid.x * 4u;
  if (r0 >= params.M || c0 >= params.N) { return; }
  var acc = gemm_block(gid.z, r0, c0);
  for (var r = 0u; r < 4u; r++) {
    let row = r0 + r;
    if (row >= params.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = c0 + j;
      if (col >= params.N) { break; }
      let i = c_index(gid.z, row, col);
      let pre = epilogue_value(acc[r][j], col);
      gate[i] = act_derivative(pre, params.act - 1u);
      c[i] = apply_act(pre);
    }
  }
}

// Split-K, pass 1: the product over the k chunk `split` of batch `batch` (gid.z = batch * splits +
// split) into partial. Weight gradients (dW = dZᵀ X) reduce over ten thousand rows into a small
// output: one pass would have a handful of invocations each looping over all of K.
@compute @workgroup_size(8, 8)
fn gemm_partial(@builtin(global_invocation_id) gid: vec3u) {
  let r0 = gid.y * 4u;
  let c0 = gid.x * 4u;
  if (r0 >= params.M || c0 >= params.N) { return; }
  let split = gid.z % params.splits;
  let k0 = split * params.kChunk;
  let k1 = min(params.K, k0 + params.kChunk);
  var acc = gemm_block_range(gid.z / params.splits, r0, c0, k0, k1);
  let base = gid.z * params.M * params.N;
  for (var r = 0u; r < 4u; r++) {
    let row = r0 + r;
    if (row >= params.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = c0 + j;
      if (col >= params.N) { break; }
      partial[base + row * params.N + col] = acc[r][j];
    }
  }
}

// Split-K, pass 2: C (+)= the chunks' partial products added in chunk order (deterministic).
@compute @workgroup_size(WG_REDUCE)
fn gemm_reduce(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG_REDUCE;
  let mn = params.M * params.N;
  if (i >= mn * params.batches) { return; }
  let batch = i / mn;
  let rc = i % mn;
  var s = 0.0;
  for (var split = 0u; split < params.splits; split++) {
    s = s + partial[(batch * params.splits + split) * mn + rc];
  }
  let ci = c_index(batch, rc / params.N, rc % params.N);
  if (params.accumulate != 0u) { s = s + c[ci]; }
  c[ci] = s;
}

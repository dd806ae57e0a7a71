// Fused forward-only kernels of the 2D->3D network's eval path (sampling), each replacing a short
// chain of ops with the same operations in the same order (float64 twins in reference.ts):
//   residual_layer_norm: y = u + LayerNorm(x) (layerNorm, then add), optionally SiLU(y) (silu)
//   mul_add:             y = a * b + c (mul, then add)
//   centre_rows:         y = x - mean of x over the rows of the same graph (centreRows)
//   edge_pair_concat:    y[e] = [u[src_e] + u[dst_e] | r[e]] (2 gathers, add, concat)
//   frame_mix_mean:      eps[i] (+)= mean over edges e into i of sum_k coef[e, k] frame_k[e]
//                        (frameMix, segmentMean, add)
// One invocation per output row or element, loops in CSR order: no atomics, no barriers.

struct Params {
  rows: u32,
  cols: u32,
  rcols: u32,
  accumulate: u32,
  eps: f32,
  silu: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xin: array<f32>;
@group(0) @binding(2) var<storage, read> uin: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> yout: array<f32>;
@group(0) @binding(6) var<storage, read> src: array<u32>;
@group(0) @binding(7) var<storage, read> dst: array<u32>;
@group(0) @binding(8) var<storage, read> offsets: array<u32>;
@group(0) @binding(9) var<storage, read> order: array<u32>;

// 256 lanes per workgroup: CPU adapters pay per workgroup, and these grids are large (E x features).
const WG = 256u;

fn lin(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

// As kernels/ops/activation.wgsl: v * sigmoid(v), sigmoid stable on both sides.
fn silu(v: f32) -> f32 {
  if (v >= 0.0) { return v * (1.0 / (1.0 + exp(-v))); }
  let e = exp(v);
  return v * (e / (1.0 + e));
}

// One invocation per row of x, u [rows, cols]; LayerNorm as kernels/ops/layernorm.wgsl (biased
// variance, two passes).
@compute @workgroup_size(WG)
fn residual_layer_norm(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = lin(gid, nwg);
  if (r >= params.rows) { return; }
  let F = params.cols;
  let base = r * F;
  var s = 0.0;
  for (var k = 0u; k < F; k++) { s += xin[base + k]; }
  let mean = s / f32(F);
  var q = 0.0;
  for (var k = 0u; k < F; k++) { let d = xin[base + k] - mean; q += d * d; }
  let rstd = 1.0 / sqrt(q / f32(F) + params.eps);
  for (var k = 0u; k < F; k++) {
    let ln = (xin[base + k] - mean) * rstd * gamma[k] + beta[k];
    let y = uin[base + k] + ln;
    if (params.silu != 0u) { yout[base + k] = silu(y); } else { yout[base + k] = y; }
  }
}

// One invocation per element of [rows * cols]: yout = xin * uin + gamma (the op-by-op mul then add).
@compute @workgroup_size(WG)
fn mul_add(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = lin(gid, nwg);
  if (i >= params.rows * params.cols) { return; }
  let p = xin[i] * uin[i];
  yout[i] = p + gamma[i];
}

// One invocation per element of y [E, cols + rcols]: u [N, cols] node rows, xin = r [E, rcols].
@compute @workgroup_size(WG)
fn edge_pair_concat(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = lin(gid, nwg);
  let width = params.cols + params.rcols;
  if (i >= params.rows * width) { return; }
  let e = i / width;
  let c = i - e * width;
  if (c < params.cols) {
    yout[i] = uin[src[e] * params.cols + c] + uin[dst[e] * params.cols + c];
  } else {
    yout[i] = xin[e * params.rcols + c - params.cols];
  }
}

// One invocation per (node, coordinate) of eps [N, 3]: xin = coef [E, 3], uin = frames [E, 9],
// CSR of edges by target. As frameMix (per edge), segmentMean (sum in CSR order, then / count),
// then add (eps + mean) when accumulating.
@compute @workgroup_size(WG)
fn frame_mix_mean(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = lin(gid, nwg);
  if (i >= params.rows * 3u) { return; }
  let node = i / 3u;
  let d = i - 3u * node;
  let begin = offsets[node];
  let end = offsets[node + 1u];
  var acc = 0.0;
  for (var k = begin; k < end; k++) {
    let e = order[k];
    acc += xin[3u * e] * uin[9u * e + d] + xin[3u * e + 1u] * uin[9u * e + 3u + d] + xin[3u * e + 2u] * uin[9u * e + 6u + d];
  }
  if (end > begin) { acc = acc / f32(end - begin); }
  if (params.accumulate != 0u) { acc = yout[i] + acc; }
  yout[i] = acc;
}

// One invocation per element of x [N, 3]: src = graph of each row, offsets/order = CSR of rows by
// graph. As centreRows: the segment mean in CSR order, divided by the count, negated and added.
@compute @workgroup_size(WG)
fn centre_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = lin(gid, nwg);
  if (i >= params.rows * params.cols) { return; }
  let row = i / params.cols;
  let c = i - row * params.cols;
  let g = src[row];
  let begin = offsets[g];
  let end = offsets[g + 1u];
  var acc = 0.0;
  for (var k = begin; k < end; k++) { acc += xin[order[k] * params.cols + c]; }
  acc = acc / f32(end - begin);
  yout[i] = xin[i] + (-1.0 * acc);
}

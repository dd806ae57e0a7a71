// Batch normalisation over the rows of x [M, F] (PyTorch BatchNorm1d semantics).
// `saved` [F, 2] = (mean, 1/σ) used to normalise: batch mean and 1/sqrt(biased var + eps) in
// training, running stats in evaluation. Forward saves it for backward (with x).
// Column reductions: one invocation per feature loops over the rows in order: deterministic.

// relu = 1: y = max(0, BN(x)) (the ReLU that follows most batch norms, in the same pass); the
// backward then masks dy by y > 0 as it reads it (dy_eff), instead of a separate ReLU backward.
// grads (backward): bit 0 dγ and bit 1 dβ are wanted (added in backward_sums, which already has
// the column sums), bit 2 dx accumulates (else a first contribution overwrites it).
struct Params { rows: u32, cols: u32, eps: f32, momentum: f32, training: u32, relu: u32, grads: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> saved: array<f32>;
@group(0) @binding(6) var<storage, read_write> running_mean: array<f32>;
@group(0) @binding(7) var<storage, read_write> running_var: array<f32>;
@group(0) @binding(8) var<storage, read> dy: array<f32>;
@group(0) @binding(9) var<storage, read_write> sums: array<f32>;
@group(0) @binding(10) var<storage, read_write> dx: array<f32>;
@group(0) @binding(11) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(12) var<storage, read_write> dbeta: array<f32>;

const WG = 256u;
const WG_COL = 64u;

// Training statistics of feature f, and the running-stat update with the unbiased variance.
@compute @workgroup_size(WG_COL)
fn stats_train(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let f = gid.x + gid.y * nwg.x * WG_COL;
  if (f >= params.cols) { return; }
  let M = params.rows;
  let F = params.cols;
  var s = 0.0;
  for (var r = 0u; r < M; r++) { s += x[r * F + f]; }
  let mean = s / f32(M);
  // Two passes: no cancellation for features with a large mean.
  var q = 0.0;
  for (var r = 0u; r < M; r++) { let d = x[r * F + f] - mean; q += d * d; }
  saved[2u * f] = mean;
  saved[2u * f + 1u] = 1.0 / sqrt(q / f32(M) + params.eps);
  let m = params.momentum;
  running_mean[f] = (1.0 - m) * running_mean[f] + m * mean;
  running_var[f] = (1.0 - m) * running_var[f] + m * (q / f32(M - 1u));
}

@compute @workgroup_size(WG_COL)
fn stats_eval(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let f = gid.x + gid.y * nwg.x * WG_COL;
  if (f >= params.cols) { return; }
  saved[2u * f] = running_mean[f];
  saved[2u * f + 1u] = 1.0 / sqrt(running_var[f] + params.eps);
}

@compute @workgroup_size(WG)
fn normalize(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.rows * params.cols) { return; }
  let f = i % params.cols;
  let v = (x[i] - saved[2u * f]) * saved[2u * f + 1u] * gamma[f] + beta[f];
  y[i] = select(v, max(v, 0.0), params.relu != 0u);
}

// The gradient reaching the normalisation: dy, or dy where the fused ReLU passed (y > 0).
fn dy_eff(i: u32) -> f32 {
  if (params.relu != 0u && !(y[i] > 0.0)) { return 0.0; }
  return dy[i];
}

// sums[f] = (Σ_r dy, Σ_r dy x̂) per feature, which are also dβ and dγ.
@compute @workgroup_size(WG_COL)
fn backward_sums(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let f = gid.x + gid.y * nwg.x * WG_COL;
  if (f >= params.cols) { return; }
  let F = params.cols;
  let mean = saved[2u * f];
  let inv = saved[2u * f + 1u];
  var sdy = 0.0;
  var sdyx = 0.0;
  for (var r = 0u; r < params.rows; r++) {
    let g = dy_eff(r * F + f);
    sdy += g;
    sdyx += g * (x[r * F + f] - mean) * inv;
  }
  sums[2u * f] = sdy;
  sums[2u * f + 1u] = sdyx;
  if ((params.grads & 1u) != 0u) { dgamma[f] = dgamma[f] + sdyx; }
  if ((params.grads & 2u) != 0u) { dbeta[f] = dbeta[f] + sdy; }
}

// Training: dx (+)= (γ/σ)(dy - mean(dy) - x̂ mean(dy x̂)); evaluation: dx (+)= (γ/σ) dy.
@compute @workgroup_size(WG)
fn backward_x(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.rows * params.cols) { return; }
  let f = i % params.cols;
  let inv = saved[2u * f + 1u];
  var g = dy_eff(i);
  if (params.training != 0u) {
    let xh = (x[i] - saved[2u * f]) * inv;
    let M = f32(params.rows);
    g = g - sums[2u * f] / M - xh * sums[2u * f + 1u] / M;
  }
  var v = gamma[f] * inv * g;
  if ((params.grads & 4u) != 0u) { v = dx[i] + v; }
  dx[i] = v;
}

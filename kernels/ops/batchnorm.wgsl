// Batch normalisation over the rows of x [M, F] (PyTorch BatchNorm1d semantics).
// `saved` [F, 2] = (mean, 1/σ) used to normalise: batch mean and 1/sqrt(biased var + eps) in
// training, running stats in evaluation. Forward saves it for backward (with x).
// Column reductions: one invocation per feature loops over the rows in order: deterministic.

struct Params { rows: u32, cols: u32, eps: f32, momentum: f32, training: u32 }

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
  y[i] = (x[i] - saved[2u * f]) * saved[2u * f + 1u] * gamma[f] + beta[f];
}

// sums[f] = (Σ_r dy, Σ_r dy x̂) per feature.
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
    let g = dy[r * F + f];
    sdy += g;
    sdyx += g * (x[r * F + f] - mean) * inv;
  }
  sums[2u * f] = sdy;
  sums[2u * f + 1u] = sdyx;
}

// Training: dx += (γ/σ)(dy - mean(dy) - x̂ mean(dy x̂)); evaluation: dx += (γ/σ) dy.
@compute @workgroup_size(WG)
fn backward_x(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.rows * params.cols) { return; }
  let f = i % params.cols;
  let inv = saved[2u * f + 1u];
  var g = dy[i];
  if (params.training != 0u) {
    let xh = (x[i] - saved[2u * f]) * inv;
    let M = f32(params.rows);
    g = g - sums[2u * f] / M - xh * sums[2u * f + 1u] / M;
  }
  dx[i] = dx[i] + gamma[f] * inv * g;
}

@compute @workgroup_size(WG_COL)
fn backward_gamma(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let f = gid.x + gid.y * nwg.x * WG_COL;
  if (f >= params.cols) { return; }
  dgamma[f] = dgamma[f] + sums[2u * f + 1u];
}

@compute @workgroup_size(WG_COL)
fn backward_beta(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let f = gid.x + gid.y * nwg.x * WG_COL;
  if (f >= params.cols) { return; }
  dbeta[f] = dbeta[f] + sums[2u * f];
}

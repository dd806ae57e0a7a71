// Update kernels of the reverse-diffusion samplers (app/sde/sampler.ts). RNG_WGSL is prepended by
// the host, so noise is Philox of (seed, stream, element index), the same as kernels/ops/rng.ts.
//
// A sampler state is a row-major [rows, cols] tensor whose rows belong to graphs:
//   row_graph[r]            graph of row r, or PAD for a padding row of a dense (B x Nmax) layout
//   ranges[2g], ranges[2g+1] first row and number of valid rows of graph g
// `pairs` = 1 marks a dense adjacency layout ([B * Nmax, Nmax]): element (r, c) is valid when its
// row is valid, c < count_g and c != the row's local index; its noise is drawn at the index of the
// upper-triangle element, so noise is symmetric with a zero diagonal. Invalid elements are written
// as 0 by every kernel, so padding stays exactly zero through the whole trajectory.

struct Params {
  n: u32,            // rows * cols (elementwise kernels) or number of graphs (norms)
  cols: u32,
  pairs: u32,
  seed: u32,
  stream: u32,
  // noise: z = noise_std * N(0, 1)
  noise_std: f32,
  // combine: x = ca * x + cb * b + cc * c
  ca: f32,
  cb: f32,
  cc: f32,
  // langevin: s = score_scale * out; step_g = 2 alpha (snr |z|_g / |s|_g)^2;
  //           x = x + step_g s + sqrt(2 step_g) noise_scale z
  score_scale: f32,
  snr: f32,
  alpha: f32,
  noise_scale: f32,
  // fill: values[i] = value
  value: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> row_graph: array<u32>;
@group(0) @binding(2) var<storage, read> ranges: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<storage, read> c: array<f32>;
@group(0) @binding(6) var<storage, read> out: array<f32>;
@group(0) @binding(7) var<storage, read> z: array<f32>;
@group(0) @binding(8) var<storage, read_write> norms: array<f32>;
@group(0) @binding(9) var<storage, read_write> values: array<f32>;

const WG = 256u;
// Per-graph kernels (row_norms, langevin_noise): one invocation per graph; the host's grid1d may
// spread a very large batch over two dimensions.
const GRAPH_WG = 64u;
const PAD = 0xFFFFFFFFu;

fn is_valid(row: u32, col: u32) -> bool {
  let g = row_graph[row];
  if (g == PAD) { return false; }
  if (params.pairs == 0u) { return true; }
  let row_local = row - ranges[2u * g];
  return col < ranges[2u * g + 1u] && col != row_local;
}

// Element index whose noise element (row, col) uses: itself, or its upper-triangle mirror.
fn noise_index(row: u32, col: u32) -> u32 {
  if (params.pairs == 0u) { return row * params.cols + col; }
  let g = row_graph[row];
  let start = ranges[2u * g];
  let row_local = row - start;
  let lo = min(row_local, col);
  let hi = max(row_local, col);
  return (start + lo) * params.cols + hi;
}

// x = noise_std * N(0, 1) on valid elements, 0 elsewhere.
@compute @workgroup_size(WG)
fn noise(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let row = i / params.cols;
  let col = i % params.cols;
  if (!is_valid(row, col)) {
    x[i] = 0.0;
    return;
  }
  x[i] = params.noise_std * rng_normal(params.seed, params.stream, noise_index(row, col));
}

// x = ca * x + cb * b + cc * c on valid elements (b, c only read when their coefficient is
// non-zero, so a placeholder buffer may be bound), 0 elsewhere.
@compute @workgroup_size(WG)
fn combine(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  if (!is_valid(i / params.cols, i % params.cols)) {
    x[i] = 0.0;
    return;
  }
  var v = params.ca * x[i];
  if (params.cb != 0.0) { v = v + params.cb * b[i]; }
  if (params.cc != 0.0) { v = v + params.cc * c[i]; }
  x[i] = v;
}

// One invocation per graph: norms[2g] = mean over the graph's valid rows of the L2 norm of the
// row of `out` (valid elements only), norms[2g + 1] the same for `z`. A sequential loop per graph
// keeps the sum order fixed (deterministic) and graphs are small (at most a few hundred elements).
@compute @workgroup_size(GRAPH_WG)
fn row_norms(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * GRAPH_WG;
  if (g >= params.n) { return; }
  let start = ranges[2u * g];
  let count = ranges[2u * g + 1u];
  var sum_out = 0.0;
  var sum_z = 0.0;
  for (var k = 0u; k < count; k++) {
    let row = start + k;
    var sq_out = 0.0;
    var sq_z = 0.0;
    for (var col = 0u; col < params.cols; col++) {
      if (!is_valid(row, col)) { continue; }
      let o = out[row * params.cols + col];
      let w = z[row * params.cols + col];
      sq_out = sq_out + o * o;
      sq_z = sq_z + w * w;
    }
    sum_out = sum_out + sqrt(sq_out);
    sum_z = sum_z + sqrt(sq_z);
  }
  let denom = max(f32(count), 1.0);
  norms[2u * g] = sum_out / denom;
  norms[2u * g + 1u] = sum_z / denom;
}

// Langevin corrector step with the per-graph step size from `norms` (row_norms of out and z).
// norms holds |out|, so |s| = |score_scale| |out|. A graph whose score norm is 0 takes no step.
@compute @workgroup_size(WG)
fn langevin(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let row = i / params.cols;
  if (!is_valid(row, i % params.cols)) {
    x[i] = 0.0;
    return;
  }
  let g = row_graph[row];
  let score_norm = abs(params.score_scale) * norms[2u * g];
  var step_size = 0.0;
  if (score_norm > 0.0) {
    let ratio = params.snr * norms[2u * g + 1u] / score_norm;
    step_size = 2.0 * params.alpha * ratio * ratio;
  }
  let s = params.score_scale * out[i];
  x[i] = x[i] + step_size * s + sqrt(2.0 * step_size) * params.noise_scale * z[i];
}

@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  values[i] = params.value;
}

// ---------------------------------------------------------------------- fused per-step kernels
// One PC step of a state is two dispatches: the corrector below (noise, norms and update of every
// graph) and the predictor (noise and update). Both draw exactly the numbers `noise` draws for the
// same (seed, stream) with noise_std = 1, and evaluate the same float expressions as
// noise + row_norms + langevin and noise + combine, so their results are those of the unfused
// kernels bit for bit.

// Philox N(0, 1) of a live element (row, col): what `noise` writes there with noise_std = 1.
fn unit_noise(row: u32, col: u32) -> f32 {
  return 1.0 * rng_normal(params.seed, params.stream, noise_index(row, col));
}

// Langevin corrector step with its own noise, one invocation per graph (params.n = graphs): the
// mean row norms of out and of z (row_norms' order of summation), then the update of `langevin`.
// Only the graph's rows are visited: padding rows stay as they are (zero, as every kernel leaves
// them), invalid elements of the graph's rows are written as 0.
@compute @workgroup_size(GRAPH_WG)
fn langevin_noise(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * GRAPH_WG;
  if (g >= params.n) { return; }
  let start = ranges[2u * g];
  let count = ranges[2u * g + 1u];
  var sum_out = 0.0;
  var sum_z = 0.0;
  for (var k = 0u; k < count; k++) {
    let row = start + k;
    var sq_out = 0.0;
    var sq_z = 0.0;
    for (var col = 0u; col < params.cols; col++) {
      if (!is_valid(row, col)) { continue; }
      let o = out[row * params.cols + col];
      let w = unit_noise(row, col);
      sq_out = sq_out + o * o;
      sq_z = sq_z + w * w;
    }
    sum_out = sum_out + sqrt(sq_out);
    sum_z = sum_z + sqrt(sq_z);
  }
  let denom = max(f32(count), 1.0);
  let norm_out = sum_out / denom;
  let norm_z = sum_z / denom;
  let score_norm = abs(params.score_scale) * norm_out;
  var step_size = 0.0;
  if (score_norm > 0.0) {
    let ratio = params.snr * norm_z / score_norm;
    step_size = 2.0 * params.alpha * ratio * ratio;
  }
  for (var k = 0u; k < count; k++) {
    let row = start + k;
    for (var col = 0u; col < params.cols; col++) {
      let i = row * params.cols + col;
      if (!is_valid(row, col)) {
        x[i] = 0.0;
        continue;
      }
      let s = params.score_scale * out[i];
      x[i] = x[i] + step_size * s + sqrt(2.0 * step_size) * params.noise_scale * unit_noise(row, col);
    }
  }
}

// Reverse-diffusion predictor with its own noise: x = ca x + cb out + cc z, z = N(0, 1) of
// (seed, stream), on valid elements (combine with c = z), 0 elsewhere.
@compute @workgroup_size(WG)
fn predictor_noise(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let row = i / params.cols;
  let col = i % params.cols;
  if (!is_valid(row, col)) {
    x[i] = 0.0;
    return;
  }
  var v = params.ca * x[i];
  if (params.cb != 0.0) { v = v + params.cb * out[i]; }
  if (params.cc != 0.0) { v = v + params.cc * unit_noise(row, col); }
  x[i] = v;
}

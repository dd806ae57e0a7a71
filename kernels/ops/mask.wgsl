// Multiplicative 0/1 masks, forward and backward (the backward is the same mask applied to dy,
// accumulating). Masked entries are written as exact zeros with select(), so stale or non-finite
// values in padded rows/pairs cannot leak through as 0 * NaN.
//   mask_rows:  y[r, f] = x[r, f] * m[r]
//   mask_pairs: y[b, i, j, c] = x[b, i, j, c] * m[b, i] * m[b, j], and 0 on i == j if zeroDiagonal.

struct Params { n: u32, cols: u32, nodes: u32, zeroDiagonal: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

const WG = 256u;

fn write_masked(i: u32, factor: f32) {
  var v = select(0.0, x[i] * factor, factor != 0.0);
  if (params.accumulate != 0u) { v = v + y[i]; }
  y[i] = v;
}

@compute @workgroup_size(WG)
fn mask_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  write_masked(i, m[i / params.cols]);
}

@compute @workgroup_size(WG)
fn mask_pairs(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let N = params.nodes;
  let pair = i / params.cols;
  let col = pair % N;
  let rowGlobal = pair / N;  // b * N + row
  let b = rowGlobal / N;
  let row = rowGlobal % N;
  var factor = m[rowGlobal] * m[b * N + col];
  if (params.zeroDiagonal != 0u && row == col) { factor = 0.0; }
  write_masked(i, factor);
}

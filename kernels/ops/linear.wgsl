// Column sums out[j] += Σ_i x[i, j] of a row-major [rows, cols] matrix: the bias gradient of a
// linear layer (db = column sums of dZ) and of addBias. The GEMM itself lives in bmm.wgsl.
//
// Deterministic two-pass reduction (no float atomics): pass 1 sums chunks of `chunkRows` rows per
// column into partial[chunk, col]; pass 2 adds the chunks of each column in order. Neighbouring
// invocations read neighbouring columns, so both passes read memory contiguously.

struct Params { rows: u32, cols: u32, chunkRows: u32, chunks: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

const WG = 256u;

@compute @workgroup_size(WG)
fn colsum_partial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.chunks * params.cols) { return; }
  let chunk = i / params.cols;
  let col = i % params.cols;
  let r0 = chunk * params.chunkRows;
  let r1 = min(params.rows, r0 + params.chunkRows);
  var s = 0.0;
  for (var r = r0; r < r1; r++) {
    s = s + x[r * params.cols + col];
  }
  partial[i] = s;
}

@compute @workgroup_size(WG)
fn colsum_final(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let col = gid.x + gid.y * nwg.x * WG;
  if (col >= params.cols) { return; }
  var s = 0.0;
  for (var c = 0u; c < params.chunks; c++) {
    s = s + partial[c * params.cols + col];
  }
  out[col] = out[col] + s;
}

// Row-wise dot products y[r] (+)= scale Σ_c a[r, c] b[r, c] of two row-major [rows, cols] matrices,
// one invocation per row (cols is a feature width, at most a few hundred). Forward of rowDot (scale:
// attention's 1/sqrt(d) or a temperature, folded in instead of a separate scale op), and the scale
// gradient of scaleRows (ds[r] += Σ_c dy[r, c] x[r, c]) with accumulate = 1, scale = 1.
// rowdot_backward: da (+)= g b and db (+)= g a with g = scale dy[r], both in one pass.
// scale_rows_backward: the whole backward of scaleRows (y[r, c] = x[r, c] s[r]) in one dispatch.

struct Params {
  rows: u32, cols: u32, accumulate: u32, scale: f32,
  // rowdot_backward: bit 0 da and bit 1 db are wanted, bit 2 da and bit 3 db accumulate.
  grads: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> da: array<f32>;
@group(0) @binding(6) var<storage, read_write> db: array<f32>;
// scale_rows_backward: the row scales s and their gradient.
@group(0) @binding(7) var<storage, read> srow: array<f32>;
@group(0) @binding(8) var<storage, read_write> dsrow: array<f32>;

const WG = 256u;

@compute @workgroup_size(WG)
fn rowdot(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= params.rows) { return; }
  let base = r * params.cols;
  var s = 0.0;
  for (var c = 0u; c < params.cols; c++) {
    s = fma(a[base + c], b[base + c], s);
  }
  s = s * params.scale;
  if (params.accumulate != 0u) { s = s + y[r]; }
  y[r] = s;
}

@compute @workgroup_size(WG)
fn rowdot_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.rows * params.cols) { return; }
  let g = dy[i / params.cols] * params.scale;
  let f = params.grads;
  if ((f & 1u) != 0u) {
    var v = g * b[i];
    if ((f & 4u) != 0u) { v = da[i] + v; }
    da[i] = v;
  }
  if ((f & 2u) != 0u) {
    var v = g * a[i];
    if ((f & 8u) != 0u) { v = db[i] + v; }
    db[i] = v;
  }
}

// For y = x s[row] (scaleRows) with x = a, upstream dy [rows, cols]: invocations [0, rows cols)
// write dx = da (+)= dy s[r] (bit 0; bit 2 accumulates), the next `rows` add ds[r] += Σ_c dy x
// (bit 1), summed in column order as rowdot does.
@compute @workgroup_size(WG)
fn scale_rows_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let n = params.rows * params.cols;
  let f = params.grads;
  if (i < n) {
    if ((f & 1u) == 0u) { return; }
    var v = dy[i] * srow[i / params.cols];
    if ((f & 4u) != 0u) { v = da[i] + v; }
    da[i] = v;
  } else if (i < n + params.rows) {
    if ((f & 2u) == 0u) { return; }
    let r = i - n;
    let base = r * params.cols;
    var s = 0.0;
    for (var c = 0u; c < params.cols; c++) {
      s = fma(dy[base + c], a[base + c], s);
    }
    dsrow[r] = dsrow[r] + s;
  }
}

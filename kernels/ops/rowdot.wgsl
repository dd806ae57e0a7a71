// Row-wise dot products y[r] (+)= Σ_c a[r, c] b[r, c] of two row-major [rows, cols] matrices, one
// invocation per row (cols is a feature width, at most a few hundred). Forward of rowDot, and the
// scale gradient of scaleRows (ds[r] += Σ_c dy[r, c] x[r, c]) with accumulate = 1.

struct Params { rows: u32, cols: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

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
  if (params.accumulate != 0u) { s = s + y[r]; }
  y[r] = s;
}

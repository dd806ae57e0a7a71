// Row gather Y[e, :] = X[index[e], :] (+ A[e, :] with an addend) and its backward, a deterministic
// segment sum (and dA = dY for the addend, in the same dispatch). The addend saves a separate add
// and its backward pass (messages x_j + e_ij of graph layers).
// Forward saves nothing but its index and the CSR of the index (built on the host per batch).
// One invocation per output element (forward) or per (row of X, feature) (backward), then, with an
// addend, one per element of dA.

// accumulate (backward): bit 0 adds into dx, else overwrites it (a gradient's first contribution);
// bit 1 likewise for the addend's gradient. addend: 1 when an addend is added (forward) / its
// gradient is wanted (backward). wantDx (backward): 0 when x needs no gradient.
struct Params { rows: u32, edges: u32, cols: u32, accumulate: u32, addend: u32, wantDx: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> offsets: array<u32>;
@group(0) @binding(5) var<storage, read> order: array<u32>;
@group(0) @binding(6) var<storage, read> dy: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx: array<f32>;
@group(0) @binding(8) var<storage, read> add_in: array<f32>;
@group(0) @binding(9) var<storage, read_write> dadd: array<f32>;

const WG = 256u;

// Y[e, f] = X[index[e], f]; an index past the rows of X reads as 0 (the host validates indices).
@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.edges * params.cols) { return; }
  let e = i / params.cols;
  let f = i - e * params.cols;
  let r = index[e];
  var v = 0.0;
  if (r < params.rows) { v = x[r * params.cols + f]; }
  if (params.addend != 0u) { v = v + add_in[i]; }
  y[i] = v;
}

// dX[n, f] (+)= sum over e with index[e] = n (CSR order, ascending e) of dY[e, f]; then, with an
// addend, dA[e, f] (+)= dY[e, f].
@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let nx = params.rows * params.cols;
  if (i >= nx) {
    let k = i - nx;
    if ((params.addend & 1u) == 0u || k >= params.edges * params.cols) { return; }
    var v = dy[k];
    if ((params.accumulate & 2u) != 0u) { v = dadd[k] + v; }
    dadd[k] = v;
    return;
  }
  if (params.wantDx == 0u) { return; }
  let n = i / params.cols;
  let f = i - n * params.cols;
  var acc = 0.0;
  for (var k = offsets[n]; k < offsets[n + 1u]; k++) {
    acc += dy[order[k] * params.cols + f];
  }
  if ((params.accumulate & 1u) != 0u) { acc = dx[i] + acc; }
  dx[i] = acc;
}

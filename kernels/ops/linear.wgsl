// The backward of a linear layer: column sums out[j] += Σ_i x[i, j] of a row-major [rows, cols]
// matrix (the bias gradient db = column sums of dZ, and addBias's), and `linear_backward`, the whole
// backward of y = x Wᵀ + b in one dispatch. The forward GEMM lives in bmm.wgsl.
//
// Deterministic two-pass reduction (no float atomics): pass 1 sums chunks of `chunkRows` rows per
// column into partial[chunk, col]; pass 2 adds the chunks of each column in order. Neighbouring
// invocations read neighbouring columns, so both passes read memory contiguously.

struct Params {
  rows: u32, cols: u32, chunkRows: u32, chunks: u32,
  // linear_backward only: in/out features, workgroups of the dX job, and flags.
  inF: u32, outF: u32, dxGroups: u32, accumulateDx: u32, hasBias: u32,
  // 1 when inF and outF are multiples of 4: rows are then read as vec4 (same sums, same order).
  vec4: u32,
}

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

// One pass for short columns on CPU adapters (see addColumnSums): each column summed over all rows
// in order by one invocation, instead of two dispatches.
@compute @workgroup_size(WG)
fn colsum_single(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let col = gid.x + gid.y * nwg.x * WG;
  if (col >= params.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < params.rows; r++) {
    s = s + x[r * params.cols + col];
  }
  out[col] = out[col] + s;
}

// ---------------------------------------------------------------- linear_backward
//
// For dZ [rows, outF] (the gradient of the pre-activation: dY, or dY ⊙ gate, see dz_at), W [outF, inF]
// and x [rows, inF]:
//   dX (+)= dZ W        (job 1: workgroups [0, dxGroups), when x needs a gradient)
//   dW  += dZᵀ x        (job 2: the other workgroups)
//   db  += dZᵀ 1        (job 2 as well: x seen with an extra column of ones, column inF)
// Used on CPU adapters, where one dispatch with few, long-running invocations beats three to five
// dispatches (dX GEMM, split-K dW GEMM and its reduction, two column-sum passes): there the cost
// is per dispatch and per pass, not per idle lane. Every invocation owns a 4x4 register block, read
// straight from storage with clamped indices (as bmm.wgsl's GEMM), and sums over k in order, so the
// result is deterministic. A job never shares a workgroup with the other, so lanes never diverge.

@group(0) @binding(4) var<storage, read> dz: array<f32>;
@group(0) @binding(5) var<storage, read> w: array<f32>;
@group(0) @binding(6) var<storage, read> xin: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx: array<f32>;
@group(0) @binding(8) var<storage, read_write> dw: array<f32>;
@group(0) @binding(9) var<storage, read_write> db: array<f32>;
// The same dZ, W and x seen as vec4 rows (bound to the same buffers; used when params.vec4 = 1).
@group(0) @binding(10) var<storage, read> dz4: array<vec4f>;
@group(0) @binding(11) var<storage, read> w4: array<vec4f>;
@group(0) @binding(12) var<storage, read> xin4: array<vec4f>;
// linear_backward: true when dZ = dY ⊙ gate (a fused activation, gate = act'(Z) saved by the
// forward), applied as dY is read; false when dZ = dY. A constant, not a parameter: linear.ts
// compiles a second variant with it set, so neither variant branches on it in its inner loops.
const GATED = false;

// act'(Z) for a fused activation (GATED), same layout as dZ. Read as vec4 in both paths
// (it is a whole pooled buffer, a multiple of 16 bytes), which keeps the entry point within ten
// storage buffers.
@group(0) @binding(13) var<storage, read> gate4: array<vec4f>;

// dZ[i] = dY[i] (⊙ gate[i]): the activation's backward folded into every read of dZ, instead of a
// separate pass that writes dZ (one dispatch fewer per layer; one multiply per read here).
fn dz_at(i: u32) -> f32 {
  let v = dz[i];
  if (GATED) { return v * gate4[i / 4u][i % 4u]; }
  return v;
}

fn dz_vec(i4: u32) -> vec4f {
  let v = dz4[i4];
  if (GATED) { return v * gate4[i4]; }
  return v;
}

const BLOCKS = 64u;

@compute @workgroup_size(BLOCKS)
fn linear_backward(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3u) {
  let p = params;
  let group = wid.x + wid.y * nwg.x;
  if (group < p.dxGroups) {
    // dX[r0 + r, c0 + j] = Σ_k dZ[r0 + r, k] W[k, c0 + j]
    let blk = group * BLOCKS + li;
    let colBlocks = (p.inF + 3u) / 4u;
    let r0 = (blk / colBlocks) * 4u;
    let c0 = (blk % colBlocks) * 4u;
    if (r0 >= p.rows) { return; }
    let lastRow = p.rows - 1u;
    let lastCol = p.inF - 1u;
    let a0 = min(r0, lastRow) * p.outF;
    let a1 = min(r0 + 1u, lastRow) * p.outF;
    let a2 = min(r0 + 2u, lastRow) * p.outF;
    let a3 = min(r0 + 3u, lastRow) * p.outF;
    let b0 = min(c0, lastCol);
    let b1 = min(c0 + 1u, lastCol);
    let b2 = min(c0 + 2u, lastCol);
    let b3 = min(c0 + 3u, lastCol);
    var acc = array<vec4f, 4>(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
    if (p.vec4 != 0u) {
      // Four k at a time: one vec4 of each dZ row, then W's rows k..k+3 at columns c0..c0+3.
      let rowW = p.inF / 4u;
      let colW = c0 / 4u;
      for (var k4 = 0u; k4 < p.outF / 4u; k4++) {
        let d0 = dz_vec(a0 / 4u + k4);
        let d1 = dz_vec(a1 / 4u + k4);
        let d2 = dz_vec(a2 / 4u + k4);
        let d3 = dz_vec(a3 / 4u + k4);
        for (var kk = 0u; kk < 4u; kk++) {
          let bv = w4[(4u * k4 + kk) * rowW + colW];
          acc[0] = fma(vec4f(d0[kk]), bv, acc[0]);
          acc[1] = fma(vec4f(d1[kk]), bv, acc[1]);
          acc[2] = fma(vec4f(d2[kk]), bv, acc[2]);
          acc[3] = fma(vec4f(d3[kk]), bv, acc[3]);
        }
      }
    } else {
      for (var k = 0u; k < p.outF; k++) {
        let wk = k * p.inF;
        let bv = vec4f(w[wk + b0], w[wk + b1], w[wk + b2], w[wk + b3]);
        acc[0] = fma(vec4f(dz_at(a0 + k)), bv, acc[0]);
        acc[1] = fma(vec4f(dz_at(a1 + k)), bv, acc[1]);
        acc[2] = fma(vec4f(dz_at(a2 + k)), bv, acc[2]);
        acc[3] = fma(vec4f(dz_at(a3 + k)), bv, acc[3]);
      }
    }
    for (var r = 0u; r < 4u; r++) {
      let row = r0 + r;
      if (row >= p.rows) { break; }
      for (var j = 0u; j < 4u; j++) {
        let col = c0 + j;
        if (col >= p.inF) { break; }
        let i = row * p.inF + col;
        var v = acc[r][j];
        if (p.accumulateDx != 0u) { v = dx[i] + v; }
        dx[i] = v;
      }
    }
    return;
  }
  // dW[r0 + r, c0 + j] += Σ_m dZ[m, r0 + r] x[m, c0 + j]; column inF of x is all ones (db).
  let blk = (group - p.dxGroups) * BLOCKS + li;
  let cols = p.inF + p.hasBias;
  let colBlocks = (cols + 3u) / 4u;
  let r0 = (blk / colBlocks) * 4u;
  let c0 = (blk % colBlocks) * 4u;
  if (r0 >= p.outF) { return; }
  let lastRow = p.outF - 1u;
  let o0 = min(r0, lastRow);
  let o1 = min(r0 + 1u, lastRow);
  let o2 = min(r0 + 2u, lastRow);
  let o3 = min(r0 + 3u, lastRow);
  // Columns at or past inF read column 0 (any valid index) and are replaced by ones or dropped.
  let x0 = select(c0, 0u, c0 >= p.inF);
  let x1 = select(c0 + 1u, 0u, c0 + 1u >= p.inF);
  let x2 = select(c0 + 2u, 0u, c0 + 2u >= p.inF);
  let x3 = select(c0 + 3u, 0u, c0 + 3u >= p.inF);
  let ones = vec4<bool>(c0 == p.inF, c0 + 1u == p.inF, c0 + 2u == p.inF, c0 + 3u == p.inF);
  var acc = array<vec4f, 4>(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  if (p.vec4 != 0u) {
    // dZ[m, r0..r0+3] and x[m, c0..c0+3] as one vec4 each; the bias block (c0 = inF) uses ones.
    let inW = p.inF / 4u;
    let outW = p.outF / 4u;
    let colW = min(c0, p.inF - 4u) / 4u;
    let biasBlock = c0 >= p.inF;
    for (var m = 0u; m < p.rows; m++) {
      let bv = select(xin4[m * inW + colW], vec4f(1.0), biasBlock);
      let dv = dz_vec(m * outW + r0 / 4u);
      acc[0] = fma(vec4f(dv[0]), bv, acc[0]);
      acc[1] = fma(vec4f(dv[1]), bv, acc[1]);
      acc[2] = fma(vec4f(dv[2]), bv, acc[2]);
      acc[3] = fma(vec4f(dv[3]), bv, acc[3]);
    }
  } else {
    for (var m = 0u; m < p.rows; m++) {
      let xm = m * p.inF;
      let bv = select(vec4f(xin[xm + x0], xin[xm + x1], xin[xm + x2], xin[xm + x3]), vec4f(1.0), ones);
      let dm = m * p.outF;
      acc[0] = fma(vec4f(dz_at(dm + o0)), bv, acc[0]);
      acc[1] = fma(vec4f(dz_at(dm + o1)), bv, acc[1]);
      acc[2] = fma(vec4f(dz_at(dm + o2)), bv, acc[2]);
      acc[3] = fma(vec4f(dz_at(dm + o3)), bv, acc[3]);
    }
  }
  for (var r = 0u; r < 4u; r++) {
    let row = r0 + r;
    if (row >= p.outF) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = c0 + j;
      if (col < p.inF) {
        let i = row * p.inF + col;
        dw[i] = dw[i] + acc[r][j];
      } else if (col == p.inF && p.hasBias != 0u) {
        db[row] = db[row] + acc[r][j];
      }
    }
  }
}

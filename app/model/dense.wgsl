// Model-specific kernels of MoleculeSDE that the op library does not have:
//  - to_dense (+ backward): sparse rows [N, F] -> padded dense slots [B * Nmax, F]
//  - frame_mix (+ backward): v_e = c1 e1 + c2 e2 + c3 e3 with constant frames
//  - head_attention (+ backward): the 3D->2D EdgeNet map mean_h tanh(Q_h K_hᵀ s), symmetrised
//  - noisy_x / noisy_a (forward only): the 3D->2D perturbed one-hot X_t and symmetric A_t
// Float64 twins: app/model/reference.ts. Buffer names are unique words (webgpu-utils' reflection
// treats any identifier equal to a buffer name as a use of that buffer).

struct Params {
  n: u32,       // invocations
  cols: u32,    // features per row
  rows: u32,    // sparse rows (to_dense backward) / atoms
  nmax: u32,    // padded atoms per graph
  heads: u32,
  hdim: u32,
  scale: f32,
  classes: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xin: array<f32>;
@group(0) @binding(2) var<storage, read> atomofslot: array<u32>;
@group(0) @binding(3) var<storage, read_write> yout: array<f32>;
@group(0) @binding(4) var<storage, read> slotofatom: array<u32>;
@group(0) @binding(5) var<storage, read> dyout: array<f32>;
@group(0) @binding(6) var<storage, read_write> dxin: array<f32>;
@group(0) @binding(7) var<storage, read> coef: array<f32>;
@group(0) @binding(8) var<storage, read> frm: array<f32>;
@group(0) @binding(9) var<storage, read_write> dcoef: array<f32>;
@group(0) @binding(10) var<storage, read> qm: array<f32>;
@group(0) @binding(11) var<storage, read> km: array<f32>;
@group(0) @binding(12) var<storage, read_write> dqm: array<f32>;
@group(0) @binding(13) var<storage, read_write> dkm: array<f32>;
@group(0) @binding(14) var<storage, read> classofslot: array<u32>;
@group(0) @binding(15) var<storage, read> znoise: array<f32>;
@group(0) @binding(16) var<storage, read> flags: array<f32>;
@group(0) @binding(17) var<storage, read> meang: array<f32>;
@group(0) @binding(18) var<storage, read> stdg: array<f32>;
@group(0) @binding(19) var<storage, read_write> zout: array<f32>;
@group(0) @binding(20) var<storage, read_write> xt: array<f32>;
@group(0) @binding(21) var<storage, read> azero: array<f32>;
@group(0) @binding(22) var<storage, read_write> gbuf: array<f32>;
@group(0) @binding(23) var<storage, read> hself: array<f32>;
@group(0) @binding(24) var<storage, read> epsv: array<f32>;
@group(0) @binding(25) var<storage, read> magg: array<f32>;
@group(0) @binding(26) var<storage, read_write> dhself: array<f32>;
@group(0) @binding(27) var<storage, read_write> depsv: array<f32>;
@group(0) @binding(28) var<storage, read_write> dmagg: array<f32>;

const WG = 256u;
const NONE = 0xffffffffu;

fn lin(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// yout[s, f] = xin[atomofslot[s], f], or 0 for a padding slot. Saves nothing (index maps only).
@compute @workgroup_size(WG)
fn to_dense(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = lin(gid, nwg);
  if (i >= params.n) { return; }
  let s = i / params.cols;
  let f = i - s * params.cols;
  let at = atomofslot[s];
  var v = 0.0;
  if (at != NONE) { v = xin[at * params.cols + f]; }
  yout[i] = v;
}

// dxin[a, f] += dyout[slotofatom[a], f]: every atom owns exactly one slot, so no reduction.
@compute @workgroup_size(WG)
fn to_dense_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = lin(gid, nwg);
  if (i >= params.rows * params.cols) { return; }
  let at = i / params.cols;
  let f = i - at * params.cols;
  dxin[i] = dxin[i] + dyout[slotofatom[at] * params.cols + f];
}

// yout[e, :] = Σ_k coef[e, k] frm[e, 3k .. 3k+3) (frames constant). Saves nothing but frm.
@compute @workgroup_size(WG)
fn frame_mix(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = lin(gid, nwg);
  if (i >= params.n * 3u) { return; }
  let e = i / 3u;
  let d = i - 3u * e;
  yout[i] = coef[3u * e] * frm[9u * e + d] + coef[3u * e + 1u] * frm[9u * e + 3u + d] + coef[3u * e + 2u] * frm[9u * e + 6u + d];
}

// dcoef[e, k] += <dyout[e], frame_k[e]>
@compute @workgroup_size(WG)
fn frame_mix_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = lin(gid, nwg);
  if (i >= params.n * 3u) { return; }
  let e = i / 3u;
  let k = i - 3u * e;
  let fo = 9u * e + 3u * k;
  dcoef[i] = dcoef[i] + dyout[3u * e] * frm[fo] + dyout[3u * e + 1u] * frm[fo + 1u] + dyout[3u * e + 2u] * frm[fo + 2u];
}

// s_h(i, j) = scale <Q[b, i, h, :], K[b, j, h, :]>, Q/K rows of width heads * hdim.
fn head_score(b: u32, i: u32, j: u32, h: u32) -> f32 {
  let width = params.heads * params.hdim;
  let qo = (b * params.nmax + i) * width + h * params.hdim;
  let ko = (b * params.nmax + j) * width + h * params.hdim;
  var acc = 0.0;
  for (var d = 0u; d < params.hdim; d++) { acc += qm[qo + d] * km[ko + d]; }
  return acc * params.scale;
}

// yout[b, i, j] = 1/(2H) Σ_h [tanh s_h(i, j) + tanh s_h(j, i)]: the head mean, symmetrised.
// Saves Q and K; the backward recomputes the scores.
@compute @workgroup_size(WG)
fn head_attention(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = lin(gid, nwg);
  if (idx >= params.n) { return; }
  let nn = params.nmax;
  let b = idx / (nn * nn);
  let r = idx - b * nn * nn;
  let i = r / nn;
  let j = r - i * nn;
  var acc = 0.0;
  for (var h = 0u; h < params.heads; h++) {
    acc += tanh(head_score(b, i, j, h)) + tanh(head_score(b, j, i, h));
  }
  yout[idx] = acc / (2.0 * f32(params.heads));
}

// Backward in three passes, so each tanh is evaluated once per (b, i, j, h):
//   gbuf[b, i, j, h] = (dY_ij + dY_ji) / (2H) (1 - tanh² s_h(i, j)) scale
@compute @workgroup_size(WG)
fn head_attention_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = lin(gid, nwg);
  let nn = params.nmax;
  if (idx >= params.n * params.heads) { return; }
  let pairIdx = idx / params.heads;
  let h = idx - pairIdx * params.heads;
  let b = pairIdx / (nn * nn);
  let r = pairIdx - b * nn * nn;
  let i = r / nn;
  let j = r - i * nn;
  let g = (dyout[pairIdx] + dyout[(b * nn + j) * nn + i]) / (2.0 * f32(params.heads));
  let th = tanh(head_score(b, i, j, h));
  gbuf[idx] = g * (1.0 - th * th) * params.scale;
}

//   dQ[b, i, h, d] (+)= Σ_j gbuf[b, i, j, h] K[b, j, h, d]   at idx = ((b nmax + i) heads + h) hdim + d
fn head_dq_value(idx: u32) -> f32 {
  let width = params.heads * params.hdim;
  let row = idx / width;
  let c = idx - row * width;
  let h = c / params.hdim;
  let nn = params.nmax;
  let b = row / nn;
  var acc = 0.0;
  for (var j = 0u; j < nn; j++) {
    acc += gbuf[(row * nn + j) * params.heads + h] * km[(b * nn + j) * width + c];
  }
  return acc;
}

//   dK[b, j, h, d] (+)= Σ_i gbuf[b, i, j, h] Q[b, i, h, d]
fn head_dk_value(idx: u32) -> f32 {
  let width = params.heads * params.hdim;
  let row = idx / width;
  let c = idx - row * width;
  let h = c / params.hdim;
  let nn = params.nmax;
  let b = row / nn;
  let j = row - b * nn;
  var acc = 0.0;
  for (var i = 0u; i < nn; i++) {
    acc += gbuf[((b * nn + i) * nn + j) * params.heads + h] * qm[(b * nn + i) * width + c];
  }
  return acc;
}

// params.classes doubles as the accumulate bits here: bit 0 for dQ, bit 1 for dK (0 = overwrite,
// a gradient's first contribution; see engine.gradInto).
@compute @workgroup_size(WG)
fn head_attention_dq(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = lin(gid, nwg);
  if (idx >= params.n * params.heads * params.hdim) { return; }
  var v = head_dq_value(idx);
  if ((params.classes & 1u) != 0u) { v = dqm[idx] + v; }
  dqm[idx] = v;
}

@compute @workgroup_size(WG)
fn head_attention_dk(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = lin(gid, nwg);
  if (idx >= params.n * params.heads * params.hdim) { return; }
  var v = head_dk_value(idx);
  if ((params.classes & 2u) != 0u) { v = dkm[idx] + v; }
  dkm[idx] = v;
}

// Both in one dispatch (q and k distinct tensors): the first n·heads·hdim invocations write dQ,
// the next as many dK.
@compute @workgroup_size(WG)
fn head_attention_dqk(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = lin(gid, nwg);
  let total = params.n * params.heads * params.hdim;
  if (idx < total) {
    var v = head_dq_value(idx);
    if ((params.classes & 1u) != 0u) { v = dqm[idx] + v; }
    dqm[idx] = v;
  } else if (idx < 2u * total) {
    let k = idx - total;
    var v = head_dk_value(k);
    if ((params.classes & 2u) != 0u) { v = dkm[k] + v; }
    dkm[k] = v;
  }
}

// The whole backward in one dispatch (q and k distinct tensors, hdim <= HEAD_MAX_DIM): invocations
// [0, R) each own one (row b nmax + i, head h) of dQ and compute its hdim outputs, the next R one
// (row b nmax + j, h) of dK (R = B nmax heads). Each evaluates g(b, i, j, h) for its partners itself
// (a tanh per pair, twice in all instead of once into gbuf), which saves the gbuf pass and its
// dispatch; same formulas and the same summation order over the partner as the three-pass form.
const HEAD_MAX_DIM = 32u;

fn head_g(b: u32, i: u32, j: u32, h: u32) -> f32 {
  let nn = params.nmax;
  let g = (dyout[(b * nn + i) * nn + j] + dyout[(b * nn + j) * nn + i]) / (2.0 * f32(params.heads));
  let th = tanh(head_score(b, i, j, h));
  return g * (1.0 - th * th) * params.scale;
}

@compute @workgroup_size(WG)
fn head_attention_backward_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = lin(gid, nwg);
  let R = params.n;  // B * nmax * heads
  if (idx >= 2u * R) { return; }
  let forK = idx >= R;
  let t = select(idx, idx - R, forK);
  let row = t / params.heads;  // b * nmax + (i for dQ, j for dK)
  let h = t - row * params.heads;
  let nn = params.nmax;
  let b = row / nn;
  let me = row - b * nn;
  let width = params.heads * params.hdim;
  var acc: array<f32, HEAD_MAX_DIM>;
  for (var d = 0u; d < params.hdim; d++) { acc[d] = 0.0; }
  for (var o = 0u; o < nn; o++) {
    // dQ: Σ_j g(b, i, j, h) K[b, j, h, :]; dK: Σ_i g(b, i, j, h) Q[b, i, h, :].
    let other = (b * nn + o) * width + h * params.hdim;
    if (forK) {
      let g = head_g(b, o, me, h);
      for (var d = 0u; d < params.hdim; d++) { acc[d] += g * qm[other + d]; }
    } else {
      let g = head_g(b, me, o, h);
      for (var d = 0u; d < params.hdim; d++) { acc[d] += g * km[other + d]; }
    }
  }
  let base = row * width + h * params.hdim;
  if (forK) {
    let accumulate = (params.classes & 2u) != 0u;
    for (var d = 0u; d < params.hdim; d++) {
      var v = acc[d];
      if (accumulate) { v = dkm[base + d] + v; }
      dkm[base + d] = v;
    }
  } else {
    let accumulate = (params.classes & 1u) != 0u;
    for (var d = 0u; d < params.hdim; d++) {
      var v = acc[d];
      if (accumulate) { v = dqm[base + d] + v; }
      dqm[base + d] = v;
    }
  }
}

// GIN's node update input (1 + eps) h + m, written as (h + h eps) + m: the same operations in the
// same order as the op chain it replaces (eps broadcast by a gather, scaleRows, two adds), one pass.
// n = N F elements; eps is a learned scalar.
@compute @workgroup_size(WG)
fn gin_combine(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = lin(gid, nwg);
  if (i >= params.n) { return; }
  yout[i] = (hself[i] + hself[i] * epsv[0]) + magg[i];
}

// Its backward in one dispatch: invocations [0, n) write dh (+)= dy, then += dy eps (the order of
// the replaced chain), and dm (+)= dy; invocation n adds deps += Σ_rows Σ_f dy h (each row's sum
// first, rows in order, as scaleRows' and the gather's backward summed). classes: bit 0 dh, bit 1
// dm, bit 2 deps wanted; bit 3 dh, bit 4 dm accumulate. cols: F.
@compute @workgroup_size(WG)
fn gin_combine_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = lin(gid, nwg);
  let f = params.classes;
  if (i < params.n) {
    let d = dyout[i];
    if ((f & 1u) != 0u) {
      var v = d;
      if ((f & 8u) != 0u) { v = dhself[i] + v; }
      dhself[i] = v + d * epsv[0];
    }
    if ((f & 2u) != 0u) {
      var w = d;
      if ((f & 16u) != 0u) { w = dmagg[i] + w; }
      dmagg[i] = w;
    }
  } else if (i == params.n && (f & 4u) != 0u) {
    var acc = 0.0;
    let rows = params.n / params.cols;
    for (var r = 0u; r < rows; r++) {
      var s = 0.0;
      for (var c = 0u; c < params.cols; c++) {
        s = fma(dyout[r * params.cols + c], hself[r * params.cols + c], s);
      }
      acc += s;
    }
    depsv[0] = depsv[0] + acc;
  }
}

// 3D->2D noisy atom types, per (slot, class): x0 = one-hot(classofslot[slot]) (NONE = padding),
// z = znoise * flag, X_t = (mean_g x0 + std_g z) * flag with g = slot / nmax.
@compute @workgroup_size(WG)
fn noisy_x(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = lin(gid, nwg);
  if (idx >= params.n) { return; }
  let s = idx / params.classes;
  let c = idx - s * params.classes;
  let g = s / params.nmax;
  let fl = flags[s];
  let x0 = select(0.0, 1.0, classofslot[s] == c);
  let z = znoise[idx] * fl;
  zout[idx] = z;
  xt[idx] = (meang[g] * x0 + stdg[g] * z) * fl;
}

// 3D->2D noisy adjacency, per (b, i, j): z = znoise[b, min(i,j), max(i,j)] off the diagonal (the
// upper triangle mirrored), 0 on it; masked by flags_i flags_j. A_t = (mean_b A0 + std_b z) * mask.
@compute @workgroup_size(WG)
fn noisy_a(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = lin(gid, nwg);
  if (idx >= params.n) { return; }
  let nn = params.nmax;
  let b = idx / (nn * nn);
  let r = idx - b * nn * nn;
  let i = r / nn;
  let j = r - i * nn;
  let m = flags[b * nn + i] * flags[b * nn + j];
  var z = 0.0;
  if (i != j) { z = znoise[(b * nn + min(i, j)) * nn + max(i, j)] * m; }
  zout[idx] = z;
  xt[idx] = (meang[b] * azero[idx] + stdg[b] * z) * m;
}

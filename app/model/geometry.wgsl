// Forward-only geometry of the MoleculeSDE networks: functions of data and noise only, so no
// gradient flows through them in pretraining (docs/method.md §8). Float64 twins: app/model/reference.ts.
// Buffer names are unique words: webgpu-utils' reflection treats any identifier equal to a buffer
// name as a use of that buffer, so locals never reuse them.

struct Params {
  n: u32,        // rows / edges / pairs processed
  h: u32,        // Fourier width (W has h entries) or RBF count
  rows: u32,     // source rows (atoms)
  kind: u32,     // noise embedding: 0 VE, 1 VP
  eps: f32,
  a: f32,        // VE: ln sigma_min, VP: beta_0; RBF: spacing; cutoff
  b: f32,        // VE: ln(sigma_max / sigma_min), VP: beta_1; RBF: gamma
  c: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> pos: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<u32>;
@group(0) @binding(3) var<storage, read> dst: array<u32>;
@group(0) @binding(4) var<storage, read> fourier: array<f32>;
@group(0) @binding(5) var<storage, read_write> frames: array<f32>;
@group(0) @binding(6) var<storage, read_write> angles: array<f32>;
@group(0) @binding(7) var<storage, read_write> featj: array<f32>;
@group(0) @binding(8) var<storage, read_write> feati: array<f32>;
@group(0) @binding(9) var<storage, read_write> featd: array<f32>;
@group(0) @binding(10) var<storage, read_write> rbf: array<f32>;
@group(0) @binding(11) var<storage, read_write> cutoffw: array<f32>;
@group(0) @binding(12) var<storage, read> tgraph: array<f32>;
@group(0) @binding(13) var<storage, read> graphof: array<u32>;
@group(0) @binding(14) var<storage, read_write> tembed: array<f32>;

const WG = 256u;
const TWO_PI = 6.283185307179586;

fn load3(k: u32) -> vec3f {
  return vec3f(pos[3u * k], pos[3u * k + 1u], pos[3u * k + 2u]);
}

// Per directed edge (j -> i) of the extended graph, on x = x_t:
//   e1 = (x_j - x_i)/(|x_j - x_i| + eps), e2 = (x_j × x_i)/(|x_j × x_i| + eps), e3 = e1 × e2
//   frames[e] = [e1, e2, e3]; c = F x for both ends; angles[e] = [pseudo_sin, pseudo_cos]
//   featj/feati[e] = [sin 2πc0W, cos 2πc0W, sin 2πc2W, cos 2πc2W] (4h); featd[e] = [sin 2πdW', cos 2πdW'] (2h)
// fourier = [W (h), W' (h)].
@compute @workgroup_size(64)
fn edge_frames(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = gid.x + gid.y * nwg.x * 64u;
  if (e >= params.n) { return; }
  let hh = params.h;
  let epsv = params.eps;
  let xj = load3(src[e]);
  let xi = load3(dst[e]);
  let diff = xj - xi;
  let dist = length(diff);
  let e1 = diff / (dist + epsv);
  let cr = cross(xj, xi);
  let e2 = cr / (length(cr) + epsv);
  let e3 = cross(e1, e2);
  let fo = 9u * e;
  frames[fo] = e1.x; frames[fo + 1u] = e1.y; frames[fo + 2u] = e1.z;
  frames[fo + 3u] = e2.x; frames[fo + 4u] = e2.y; frames[fo + 5u] = e2.z;
  frames[fo + 6u] = e3.x; frames[fo + 7u] = e3.y; frames[fo + 8u] = e3.z;
  let cj = vec3f(dot(e1, xj), dot(e2, xj), dot(e3, xj));
  let ci = vec3f(dot(e1, xi), dot(e2, xi), dot(e3, xi));
  var cosv = dot(cj, ci) / ((length(cj) + epsv) * (length(ci) + epsv));
  // Clamp cos^2 below 1 so sqrt(1 - cos^2) never sees a negative number (docs/method.md §9, item 5).
  let c2 = min(cosv * cosv, 1.0 - 1e-7);
  angles[2u * e] = sqrt(1.0 - c2);
  angles[2u * e + 1u] = cosv;
  let o4 = 4u * hh * e;
  let o2 = 2u * hh * e;
  for (var k = 0u; k < hh; k++) {
    let wk = TWO_PI * fourier[k];
    let wd = TWO_PI * fourier[hh + k];
    featj[o4 + k] = sin(cj.x * wk);
    featj[o4 + hh + k] = cos(cj.x * wk);
    featj[o4 + 2u * hh + k] = sin(cj.z * wk);
    featj[o4 + 3u * hh + k] = cos(cj.z * wk);
    feati[o4 + k] = sin(ci.x * wk);
    feati[o4 + hh + k] = cos(ci.x * wk);
    feati[o4 + 2u * hh + k] = sin(ci.z * wk);
    feati[o4 + 3u * hh + k] = cos(ci.z * wk);
    featd[o2 + k] = sin(dist * wd);
    featd[o2 + hh + k] = cos(dist * wd);
  }
}

// SchNet pair features: rbf[p, k] = exp(-gamma (d - k * spacing)^2) (params.a = spacing,
// params.b = gamma, params.h = number of Gaussians), cutoffw[p] = 0.5 (cos(π d / c) + 1) for
// d < c, else 0 (params.c = cutoff), d = |x_src - x_dst|.
@compute @workgroup_size(64)
fn pair_rbf(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let p = gid.x + gid.y * nwg.x * 64u;
  if (p >= params.n) { return; }
  let dd = length(load3(src[p]) - load3(dst[p]));
  let ro = params.h * p;
  for (var k = 0u; k < params.h; k++) {
    let u = dd - f32(k) * params.a;
    rbf[ro + k] = exp(-params.b * u * u);
  }
  var cw = 0.0;
  if (dd < params.c) { cw = 0.5 * (cos(3.141592653589793 * dd / params.c) + 1.0); }
  cutoffw[p] = cw;
}

// Noise-level embedding: row r of graph g = graphof[r] gets
// [sin(2π W ls), cos(2π W ls)] with ls = ln std(t_g) (params.h = |W|), W = fourier[0..h).
@compute @workgroup_size(WG)
fn noise_embed(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= params.n) { return; }
  let tv = tgraph[graphof[r]];
  var ls = 0.0;
  if (params.kind == 0u) {
    ls = params.a + tv * params.b;
  } else {
    // VP: std^2 = 1 - e^{2m}, m = -t^2 (b1 - b0)/4 - t b0/2; ln std = ln(1 - e^{2m}) / 2.
    let m = -0.25 * tv * tv * (params.b - params.a) - 0.5 * tv * params.a;
    ls = 0.5 * log(max(1.0 - exp(2.0 * m), 1e-12));
  }
  let o = 2u * params.h * r;
  for (var k = 0u; k < params.h; k++) {
    let arg = TWO_PI * fourier[k] * ls;
    tembed[o + k] = sin(arg);
    tembed[o + params.h + k] = cos(arg);
  }
}

// TransformerConv message passing of the 2D->3D network in one dispatch (forward only, eval mode:
// sampling). For target node i and head h over the incoming edges e = (j -> i) in CSR order:
//   kj = k[j] + pe[e], score_e = (q[i] . kj) * scale, alpha = softmax_e(score) (max-shifted),
//   conv[i] = skip[i] + sum_e alpha_e (v[j] + pe[e])
// q, k, v and skip are column blocks of one node matrix `nodes` [N, 4 H c] = [q | k | v | skip]
// (one GEMM with stacked weights); pe is the column block pe_off .. pe_off + H c of `pe`
// [E, pe_cols] (every layer's edge projection from one GEMM). The operations and their order are
// those of the unfused ops (gatherRows, add, rowDot's fma chain, scale, segmentSoftmax, scaleRows,
// segmentSum, add). One invocation per (node, head); no atomics, no barriers.

struct Params {
  nodes: u32,
  heads: u32,
  hdim: u32,
  pe_cols: u32,
  pe_off: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> node_feats: array<f32>;
@group(0) @binding(2) var<storage, read> pe: array<f32>;
@group(0) @binding(3) var<storage, read> src: array<u32>;
@group(0) @binding(4) var<storage, read> offsets: array<u32>;
@group(0) @binding(5) var<storage, read> order: array<u32>;
@group(0) @binding(6) var<storage, read_write> conv: array<f32>;

const WG = 64u;
/** Largest head width (the host checks it): the per-head accumulator lives in registers. */
const MAX_HDIM = 32u;

fn score_of(e: u32, qbase: u32, kbase: u32, pbase: u32) -> f32 {
  var s = 0.0;
  for (var d = 0u; d < params.hdim; d++) {
    let kj = node_feats[kbase + d] + pe[pbase + d];
    s = fma(node_feats[qbase + d], kj, s);
  }
  return s * params.scale;
}

@compute @workgroup_size(WG)
fn transformer_conv(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= params.nodes * params.heads) { return; }
  let i = idx / params.heads;
  let h = idx - i * params.heads;
  let width = params.heads * params.hdim;
  let stride = 4u * width;
  let col = h * params.hdim;
  let qbase = i * stride + col;
  let begin = offsets[i];
  let end = offsets[i + 1u];
  var acc: array<f32, MAX_HDIM>;
  for (var d = 0u; d < params.hdim; d++) { acc[d] = 0.0; }
  if (end > begin) {
    var m = 0.0;
    for (var k = begin; k < end; k++) {
      let e = order[k];
      let s = score_of(e, qbase, src[e] * stride + width + col, e * params.pe_cols + params.pe_off + col);
      if (k == begin) { m = s; } else { m = max(m, s); }
    }
    var total = 0.0;
    for (var k = begin; k < end; k++) {
      let e = order[k];
      total += exp(score_of(e, qbase, src[e] * stride + width + col, e * params.pe_cols + params.pe_off + col) - m);
    }
    let inv = 1.0 / total;
    for (var k = begin; k < end; k++) {
      let e = order[k];
      let pbase = e * params.pe_cols + params.pe_off + col;
      let alpha = exp(score_of(e, qbase, src[e] * stride + width + col, pbase) - m) * inv;
      let vbase = src[e] * stride + 2u * width + col;
      for (var d = 0u; d < params.hdim; d++) {
        acc[d] += (node_feats[vbase + d] + pe[pbase + d]) * alpha;
      }
    }
  }
  let skip = i * stride + 3u * width + col;
  for (var d = 0u; d < params.hdim; d++) {
    conv[i * width + col + d] = acc[d] + node_feats[skip + d];
  }
}

// GCN normalisation of dense adjacency stacks a [B, N, N] (docs/method.md §8.2):
//   A' = A with the diagonal set to 1, deg_i = Σ_j A'_ij, s_i = max(1, deg_i)^(-1/2),
//   Â_ij = s_i A'_ij s_j.
// Forward: gcn_forward, one invocation per entry, which sums the two degrees it needs itself (2N
// reads; graphs here have tens of nodes) instead of a separate degree pass: one dispatch, not two.
// It saves deg [B, N] (written by the j = 0 invocation of each row, the same sum in the same order).
// Backward (diagonal entries get no gradient: A' overwrites them):
//   ds_k = Σ_j dÂ_kj A'_kj s_j + Σ_i dÂ_ik A'_ik s_i,
//   g_k  = ds_k ∂s_k/∂deg_k = -1/2 s_k³ ds_k when deg_k > 1, else 0 (the clamp is flat there),
//   dA_ij (+)= dÂ_ij s_i s_j + g_i   for i != j,
// in one dispatch, gcn_backward, one invocation per entry computing its row's g_i (2N terms).
// Without `accumulate` it overwrites dA and writes the diagonal's zero (a first contribution).

struct Params { nodes: u32, rows: u32, n: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> deg: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> g: array<f32>;
@group(0) @binding(6) var<storage, read_write> da: array<f32>;

const WG = 256u;

fn linear_index(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// A'_{ij} of matrix b: the diagonal reads as 1.
fn a_prime(b: u32, i: u32, j: u32) -> f32 {
  if (i == j) { return 1.0; }
  return a[(b * params.nodes + i) * params.nodes + j];
}

fn scale_of(node: u32) -> f32 {
  return inverseSqrt(max(1.0, deg[node]));
}

// deg_i of matrix b: the row sum of A', in order.
fn row_degree(b: u32, i: u32) -> f32 {
  var s = 0.0;
  for (var j = 0u; j < params.nodes; j++) { s = s + a_prime(b, i, j); }
  return s;
}

@compute @workgroup_size(WG)
fn gcn_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = linear_index(gid, nwg);
  if (idx >= params.n) { return; }
  let N = params.nodes;
  let j = idx % N;
  let rowNode = idx / N;  // b * N + i
  let b = rowNode / N;
  let i = rowNode % N;
  let degI = row_degree(b, i);
  let degJ = row_degree(b, j);
  if (j == 0u) { deg[rowNode] = degI; }
  y[idx] = inverseSqrt(max(1.0, degI)) * a_prime(b, i, j) * inverseSqrt(max(1.0, degJ));
}

// g_k = dL/d deg_k of node k = b * N + kk (see the header).
fn degree_grad(b: u32, kk: u32) -> f32 {
  let N = params.nodes;
  let node = b * N + kk;
  var ds = 0.0;
  for (var j = 0u; j < N; j++) {
    let other = scale_of(b * N + j);
    ds = ds + dy[(b * N + kk) * N + j] * a_prime(b, kk, j) * other;
    ds = ds + dy[(b * N + j) * N + kk] * a_prime(b, j, kk) * other;
  }
  let s = scale_of(node);
  return select(0.0, -0.5 * s * s * s * ds, deg[node] > 1.0);
}

@compute @workgroup_size(WG)
fn gcn_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = linear_index(gid, nwg);
  if (idx >= params.n) { return; }
  let N = params.nodes;
  let j = idx % N;
  let rowNode = idx / N;
  let b = rowNode / N;
  let i = rowNode % N;
  if (i == j) {
    if (params.accumulate == 0u) { da[idx] = 0.0; }
    return;
  }
  var v = dy[idx] * scale_of(rowNode) * scale_of(b * N + j) + degree_grad(b, i);
  if (params.accumulate != 0u) { v = da[idx] + v; }
  da[idx] = v;
}

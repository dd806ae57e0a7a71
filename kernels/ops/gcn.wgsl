// GCN normalisation of dense adjacency stacks a [B, N, N] (docs/method.md §8.2):
//   A' = A with the diagonal set to 1, deg_i = Σ_j A'_ij, s_i = max(1, deg_i)^(-1/2),
//   Â_ij = s_i A'_ij s_j.
// Forward: gcn_degree (one invocation per node) then gcn_apply (one per entry); it saves deg [B, N].
// Backward (diagonal entries get no gradient: A' overwrites them):
//   ds_k = Σ_j dÂ_kj A'_kj s_j + Σ_i dÂ_ik A'_ik s_i,
//   g_k  = ds_k ∂s_k/∂deg_k = -1/2 s_k³ ds_k when deg_k > 1, else 0 (the clamp is flat there),
//   dA_ij += dÂ_ij s_i s_j + g_i   for i != j.

struct Params { nodes: u32, rows: u32, n: u32 }

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

@compute @workgroup_size(WG)
fn gcn_degree(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let node = linear_index(gid, nwg);
  if (node >= params.rows) { return; }
  let b = node / params.nodes;
  let i = node % params.nodes;
  var s = 0.0;
  for (var j = 0u; j < params.nodes; j++) { s = s + a_prime(b, i, j); }
  deg[node] = s;
}

@compute @workgroup_size(WG)
fn gcn_apply(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = linear_index(gid, nwg);
  if (idx >= params.n) { return; }
  let N = params.nodes;
  let j = idx % N;
  let rowNode = idx / N;  // b * N + i
  let b = rowNode / N;
  let i = rowNode % N;
  y[idx] = scale_of(rowNode) * a_prime(b, i, j) * scale_of(b * N + j);
}

@compute @workgroup_size(WG)
fn gcn_degree_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let node = linear_index(gid, nwg);
  if (node >= params.rows) { return; }
  let N = params.nodes;
  let b = node / N;
  let k = node % N;
  var ds = 0.0;
  for (var j = 0u; j < N; j++) {
    let other = scale_of(b * N + j);
    ds = ds + dy[(b * N + k) * N + j] * a_prime(b, k, j) * other;
    ds = ds + dy[(b * N + j) * N + k] * a_prime(b, j, k) * other;
  }
  let s = scale_of(node);
  g[node] = select(0.0, -0.5 * s * s * s * ds, deg[node] > 1.0);
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
  if (i == j) { return; }
  da[idx] = da[idx] + dy[idx] * scale_of(rowNode) * scale_of(b * N + j) + g[rowNode];
}

/**
 * The 2D->3D edge-structure embedding (Score2Dto3DConfig.edgeStructure, docs/method.md §2.9): host
 * codes, zero initialisation = the network without it (also after a warm start from an older
 * checkpoint), training and eval paths agreeing with it,
 * gradients into its table. Symmetry with it on: symmetry.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch, type BatchMolecule } from '../data/batch';
import { resolveConfig } from './config';
import { MoleculeSDE } from './moleculeSDE';
import { uploadBatch } from './batchGpu';
import { tinyMolecules } from './testMolecules';
import { TINY_OVERRIDES, randomCheckpoint } from './testCheckpoint';
import { decodeCheckpoint, restoreMatchingWeights } from './checkpoint';
import { EDGE_STRUCTURE_TABLES, edgeStructureCodes } from './edgeStructure';
import { expectClose, testEngine } from '../../kernels/testing';
import { mulberry32, randnArray } from '../../kernels/random';
import type { Engine } from '../../kernels/engine';

/** A molecule from its heavy atoms (atomic number - 1) and bonds [i, j, OGB bond type]; no geometry. */
function molecule(elements: number[], bonds: [number, number, number][]): BatchMolecule {
  return {
    numAtoms: elements.length,
    atomFeatures: elements.flatMap((z) => [z, 0, 2, 5, 0, 0, 2, 0, 0]),
    bonds: bonds.flatMap(([i, j]) => [i, j]),
    bondFeatures: bonds.flatMap(([, , type]) => [type, 0, 0]),
  };
}

const withStructure = (preset: 'paper' | 'generative', on: boolean) =>
  resolveConfig(preset, { ...TINY_OVERRIDES, score2Dto3D: { edgeStructure: on } });

/** Random N(0, scale^2) values in the model's edge-structure table (a trained one is not zero). */
function randomiseTable(e: Engine, model: MoleculeSDE, seed: number, scale = 0.5): void {
  const table = model.score2Dto3D.edgeStructure!;
  e.write(table, Float32Array.from(randnArray(table.size, mulberry32(seed)), (v) => scale * v));
}

describe('edge-structure codes (host)', () => {
  it('give each extended pair its bond class and hop bucket, symmetric in the pair', () => {
    // Furan written with Kekulé bonds O0-C1=C2-C3=C4-O0, and hexane (a chain of 6) for hops >= 5.
    const furan = molecule([7, 5, 5, 5, 5], [[0, 1, 0], [1, 2, 1], [2, 3, 0], [3, 4, 1], [4, 0, 0]]);
    const hexane = molecule([5, 5, 5, 5, 5, 5], [[0, 1, 0], [1, 2, 0], [2, 3, 2], [3, 4, 3], [4, 5, 0]]);
    const batch = makeBatch([furan, hexane], { radius: false, positions: 'none', maxHops: 6 });
    const codes = edgeStructureCodes(batch);
    const ext = batch.extendedEdges;
    const byPair = new Map<string, [number, number]>();
    for (let e = 0; e < ext.count; e++) byPair.set(`${ext.src[e]}-${ext.dst[e]}`, [codes[2 * e], codes[2 * e + 1]]);
    // Every ordered pair inside each molecule, none across (5 x 4 + 6 x 5).
    expect(ext.count).toBe(50);
    // Furan: bonded pairs carry their type + 1 and hop bucket 0 (1 bond); the others none and bucket 1 (2 bonds).
    expect(byPair.get('0-1')).toEqual([1, 0]);
    expect(byPair.get('1-2')).toEqual([2, 0]);
    expect(byPair.get('2-1')).toEqual([2, 0]);
    expect(byPair.get('2-3')).toEqual([1, 0]);
    expect(byPair.get('1-3')).toEqual([0, 1]);
    expect(byPair.get('1-4')).toEqual([0, 1]);
    // The case of §2.9: C1's partners C2 (bonded) and C3 (not) now differ.
    expect(byPair.get('1-2')).not.toEqual(byPair.get('1-3'));
    // Hexane (atoms 5..10): triple 3 + 1, aromatic 4 + 1; 3, 4, 5 bonds apart -> buckets 2, 3, 4.
    expect(byPair.get('7-8')).toEqual([3, 0]);
    expect(byPair.get('9-8')).toEqual([4, 0]);
    expect(byPair.get('5-8')).toEqual([0, 2]);
    expect(byPair.get('5-9')).toEqual([0, 3]);
    expect(byPair.get('5-10')).toEqual([0, 4]);
    expect(byPair.get('10-5')).toEqual([0, 4]);
    // Hops 6 and beyond share the last bucket.
    const long = makeBatch([molecule([5, 5, 5, 5, 5, 5, 5, 5], Array.from({ length: 7 }, (_, i) => [i, i + 1, 0] as [number, number, number]))], {
      radius: false, positions: 'none', maxHops: 10,
    });
    const lc = edgeStructureCodes(long);
    const e07 = Array.from({ length: long.extendedEdges.count }, (_, e) => e).find((e) => long.extendedEdges.src[e] === 0 && long.extendedEdges.dst[e] === 7)!;
    expect([lc[2 * e07], lc[2 * e07 + 1]]).toEqual([0, 4]);
    expect(EDGE_STRUCTURE_TABLES.total).toBe(11);
  });
});

describe('2D->3D network with the edge-structure embedding', () => {
  it('registers a zero table only when asked, and with it zero gives bit for bit the network without it (eval, op-by-op, losses)', async () => {
    const e = await testEngine();
    const off = new MoleculeSDE(e, withStructure('generative', false), 4);
    const on = new MoleculeSDE(e, withStructure('generative', true), 4);
    expect(off.score2Dto3D.edgeStructure).toBeUndefined();
    const table = on.parameters().find((p) => p.name === 'sde2Dto3D.edge_structure_emb.weight')!;
    expect(table.tensor.shape).toEqual([11, 32]);
    expect(Array.from(await e.readF32(table.tensor)).every((v) => v === 0)).toBe(true);
    // Every other tensor has the same name, shape and value (init is keyed by name).
    expect(on.parameters().length).toBe(off.parameters().length + 1);
    for (const p of off.parameters()) {
      const q = on.parameters().find((x) => x.name === p.name)!;
      expect(Array.from(await e.readF32(q.tensor)), p.name).toEqual(Array.from(await e.readF32(p.tensor)));
    }
    const host = makeBatch(tinyMolecules(5, 21));
    const batch = uploadBatch(e, host);
    const N = host.numNodes;
    const B = host.numGraphs;
    const xt = e.fromArray(randnArray(3 * N, mulberry32(2)), [N, 3]);
    const t = e.fromArray(new Float32Array(B).fill(0.3), [B]);
    const run = async (m: MoleculeSDE) => {
      const h2 = m.encode2D(batch);
      const evalOut = await e.readF32(m.eps2Dto3D(batch, h2, xt, t, 0.3));
      const opByOp = await e.readF32(m.score2Dto3D.forward({ batch, h2, xt, t, training: false }));
      e.tape.clear();
      const L = m.losses(batch, { seed: 3, step: 1 });
      const loss = (await e.readF32(L.denoise2Dto3D))[0];
      e.tape.clear();
      return { evalOut: Array.from(evalOut), opByOp: Array.from(opByOp), loss };
    };
    const a = await run(off);
    const b = await run(on);
    expect(Math.hypot(...a.evalOut)).toBeGreaterThan(1e-3);
    expect(b.evalOut).toEqual(a.evalOut);
    expect(b.opByOp).toEqual(a.opByOp);
    expect(b.loss).toBe(a.loss);
    e.endStep();
  });

  it('a warm start (restoreMatchingWeights, as pretrain --init-from) from a checkpoint without it keeps only the zero table and gives its function', async () => {
    const e = await testEngine();
    const bytes = await randomCheckpoint(e, 'generative', 8); // tiny generative model, option off
    const old = new MoleculeSDE(e, resolveConfig('generative', TINY_OVERRIDES), 1);
    restoreWeights(e, old, bytes);
    const warm = new MoleculeSDE(e, withStructure('generative', true), 2); // another seed: every loaded tensor must come from the file
    const { kept } = restoreMatchingWeights(e, warm, decodeCheckpoint(bytes));
    expect(kept).toEqual(['sde2Dto3D.edge_structure_emb.weight']);
    const host = makeBatch(tinyMolecules(4, 24));
    const batch = uploadBatch(e, host);
    const N = host.numNodes;
    const B = host.numGraphs;
    const xt = e.fromArray(randnArray(3 * N, mulberry32(3)), [N, 3]);
    const t = e.fromArray(new Float32Array(B).fill(0.2), [B]);
    const a = await e.readF32(old.eps2Dto3D(batch, old.encode2D(batch), xt, t, 0.2));
    const b = await e.readF32(warm.eps2Dto3D(batch, warm.encode2D(batch), xt, t, 0.2));
    expect(Math.hypot(...a)).toBeGreaterThan(1e-3);
    expect(Array.from(b)).toEqual(Array.from(a));
    e.endStep();
  });

  for (const preset of ['generative', 'paper'] as const) {
    it(`with a nonzero table: the cached evaluator, the fused eval path and the op-by-op training path agree (${preset})`, async () => {
      const e = await testEngine();
      const model = new MoleculeSDE(e, withStructure(preset, true), 5);
      const host = makeBatch(tinyMolecules(6, 22));
      const batch = uploadBatch(e, host, { persistent: true });
      const N = host.numNodes;
      const B = host.numGraphs;
      const h2 = e.keep(model.encode2D(batch));
      const xt = e.keep(e.fromArray(randnArray(3 * N, mulberry32(7)), [N, 3]));
      const t = e.keep(e.fromArray(new Float32Array(B).fill(0.4), [B]));
      const zeroTable = await e.readF32(model.score2Dto3D.edgeStructure!);
      const before = await e.readF32(model.eps2Dto3D(batch, h2, xt, t, 0.4));
      randomiseTable(e, model, 9);
      const evaluator = model.epsEvaluator2Dto3D(batch, h2);
      try {
        const direct = await e.readF32(model.eps2Dto3D(batch, h2, xt, t, 0.4));
        const cached = await e.readF32(evaluator.eps(xt, tvecOf(e, B, 0.4), 0.4));
        const inputs = { batch, h2, xt, t, training: false };
        const fused = await e.readF32(e.noGrad(() => model.score2Dto3D.forward(inputs)));
        // Recording (outside noGrad) selects the op-by-op path that training differentiates.
        const opByOp = await e.readF32(model.score2Dto3D.forward(inputs));
        e.tape.clear();
        expect(direct.every(Number.isFinite)).toBe(true);
        // The table is used: the output moved away from the zero-table one.
        expect(Array.from(zeroTable).every((v) => v === 0)).toBe(true);
        const moved = Math.hypot(...Array.from(direct, (v, i) => v - before[i])) / Math.hypot(...before);
        expect(moved).toBeGreaterThan(1e-2);
        expect(Array.from(cached)).toEqual(Array.from(direct));
        expectClose(fused, opByOp, { atol: 1e-5, rtol: 1e-4, what: 'fused vs op-by-op eps with the edge-structure embedding' });
      } finally {
        evaluator.dispose();
        for (const x of [h2, xt, t]) e.dispose(x);
        batch.dispose();
        e.endStep();
      }
    });
  }

  it('the training loss sends gradients into the used rows of the table, matching finite differences', async () => {
    const e = await testEngine();
    // No dropout: the finite differences below re-run the loss, which must be a smooth function of the table.
    const model = new MoleculeSDE(e, resolveConfig('generative', { ...TINY_OVERRIDES, score2Dto3D: { edgeStructure: true, dropout: 0 } }), 6);
    const host = makeBatch(tinyMolecules(5, 23));
    const codes = edgeStructureCodes(host);
    const table = model.score2Dto3D.edgeStructure!;
    const h = table.shape[1];
    const randomness = { seed: 4, step: 2 };
    const L = model.losses(uploadBatch(e, host), randomness);
    e.backward(L.total);
    const g = await e.readF32(e.gradOf(table));
    e.endStep();
    // Rows no edge of the batch uses get exactly zero; used rows get a nonzero gradient.
    const used = new Set<number>();
    for (let k = 0; k < codes.length; k += 2) {
      used.add(codes[k] + EDGE_STRUCTURE_TABLES.offsets[0]);
      used.add(codes[k + 1] + EDGE_STRUCTURE_TABLES.offsets[1]);
    }
    expect(used.has(EDGE_STRUCTURE_TABLES.offsets[1] + 4)).toBe(false); // no pair 5 hops apart within the 4-hop edge set
    for (let row = 0; row < EDGE_STRUCTURE_TABLES.total; row++) {
      const norm = Math.hypot(...g.subarray(row * h, (row + 1) * h));
      if (used.has(row)) expect(norm, `row ${row}`).toBeGreaterThan(0);
      else expect(norm, `row ${row}`).toBe(0);
    }
    // Directional finite difference along the gradient: (L(+d u) - L(-d u)) / 2d = |g| for u = g / |g|.
    const gNorm = Math.hypot(...g);
    const loss2Dto3D = async (scale: number) => {
      e.write(table, Float32Array.from(g, (v) => (scale * v) / gNorm));
      const Lp = model.losses(uploadBatch(e, host), randomness);
      const v = (await e.readF32(Lp.denoise2Dto3D))[0];
      e.tape.clear();
      e.endStep();
      return v;
    };
    const d = 0.02;
    const fd = ((await loss2Dto3D(d)) - (await loss2Dto3D(-d))) / (2 * d);
    console.log('edge-structure gradient norm', gNorm, 'finite difference', fd);
    expect(Math.abs(fd - gNorm)).toBeLessThanOrEqual(0.05 * gNorm);
  });
});

function restoreWeights(e: Engine, model: MoleculeSDE, bytes: Uint8Array): void {
  const { kept } = restoreMatchingWeights(e, model, decodeCheckpoint(bytes));
  if (kept.length) throw new Error(`restoreWeights: not in the checkpoint: ${kept.join(', ')}`);
}

function tvecOf(e: Engine, B: number, t: number) {
  return e.fromArray(new Float32Array(B).fill(t), [B]);
}

/**
 * Pause & inspect (2D -> 3D trajectory view): the paused frame's bond-length error against the
 * molecular graph (median and max |d_ij - expected bond length| over the graph's bonds, with
 * app/chem/metrics.ts's table, the same metric as the conformer table) and its steric clashes.
 * Computed on the main thread with the lazily loaded chemistry (rdkit-js reads the molblock once).
 */
import { useEffect, useState } from 'react';
import type { ChemMolecule } from '../../chem/molecule';
import type { FrameBondError } from '../../inspect/trajectory';

const chemistry = () => Promise.all([import('../chem/conformers'), import('../../inspect/trajectory')]);

/** The molecule of the last molblock read (frames change often, the molecule rarely). */
let cached: { molblock: string; mol: Promise<ChemMolecule> } | null = null;

export function FrameInspect({ molblock, positions, atoms, sample, step, totalSteps }: { molblock: string; positions: Float32Array; atoms: number; sample: number; step: number; totalSteps: number }) {
  const [result, setResult] = useState<FrameBondError | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setResult(null);
    setError(null);
    (async () => {
      const [conf, traj] = await chemistry();
      if (cached?.molblock !== molblock) cached = { molblock, mol: conf.moleculeOf(molblock) };
      const mol = await cached.mol;
      const x = positions.subarray(sample * atoms * 3, (sample + 1) * atoms * 3);
      const r = traj.frameBondError(mol, x);
      if (live) setResult(r);
    })().catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [molblock, positions, atoms, sample]);
  const fmt = (v: number) => v.toFixed(3);
  return (
    <div className="frame-inspect" role="group" aria-label="Paused frame inspection">
      {error ? (
        <p className="error-text">Cannot inspect the frame: {error}</p>
      ) : !result ? (
        <p className="hint">Measuring the paused frame…</p>
      ) : (
        <p className="mono" role="status" aria-label="Frame bond-length error" data-median={result.median} data-max={result.max} data-clashes={result.clashes} data-step={step}>
          Step {step}/{totalSteps}: bond-length error vs the graph median {fmt(result.median)} Å, max {fmt(result.max)} Å over {result.bonds} bonds · {result.clashes}{' '}
          {result.clashes === 1 ? 'clash' : 'clashes'} (non-bonded heavy atoms closer than 2 Å)
        </p>
      )}
    </div>
  );
}

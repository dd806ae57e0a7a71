import { useEffect, useState } from 'react';
import { useUi } from '../state/uiStore';

interface Props {
  /** SMILES or molblock. */
  molecule: string | null;
  width?: number;
  height?: number;
  atoms?: number[];
  bonds?: number[];
  label: string;
}

/** RDKit's own drawing of a molecule (rdkit-js SVG), loaded lazily. */
export function Depiction({ molecule, width = 260, height = 180, atoms, bonds, label }: Props) {
  const dark = useUi((s) => s.theme === 'dark');
  const [svg, setSvg] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const atomsKey = atoms?.join(',') ?? '';
  const bondsKey = bonds?.join(',') ?? '';
  useEffect(() => {
    let live = true;
    if (!molecule) {
      setSvg(null);
      setError(null);
      return;
    }
    import('../chem/bridge')
      .then((b) => b.depict(molecule, { width, height, atoms, bonds, dark }))
      .then(
        (s) => live && (setSvg(s), setError(null)),
        (e: unknown) => live && (setSvg(null), setError(e instanceof Error ? e.message : String(e))),
      );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- arrays compared by their keys
  }, [molecule, width, height, atomsKey, bondsKey, dark]);
  return (
    <figure className="depiction" role="img" aria-label={label} style={{ width, height }}>
      {svg ? <div className="depiction-svg" dangerouslySetInnerHTML={{ __html: svg }} /> : null}
      {error ? <figcaption className="error-text">{error}</figcaption> : null}
    </figure>
  );
}

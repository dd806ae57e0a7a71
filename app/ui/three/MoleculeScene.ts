/**
 * A ball-and-stick scene for one molecule whose coordinates change every frame (a diffusion
 * trajectory). It lives outside React: the React wrapper calls `setPositions` from a
 * requestAnimationFrame loop and React never re-renders per frame.
 *
 * Atoms are one InstancedMesh (one instance per atom, CPK colours); bonds come from the known 2D
 * graph, never from distances (noisy frames would give nonsense bonds), as InstancedMeshes of
 * cylinders, two or three thin ones for double and triple bonds.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { ballRadius, color3D } from '../elementColors';

export interface SceneBond {
  a: number;
  b: number;
  /** 1-3, or 4 for aromatic (drawn as two sticks). */
  order: number;
  /** Drawn in the highlight colour (e.g. a bond that differs from the input). */
  highlight?: boolean;
}

const BOND_RADIUS = 0.09;
const MULTI_OFFSET = 0.13;
const UP = new THREE.Vector3(0, 1, 0);

/** Cylinders per bond: its order, aromatic (4) as two. */
function sticks(order: number): number {
  return order === 4 ? 2 : Math.min(Math.max(Math.round(order), 1), 3);
}

export class MoleculeScene {
  readonly renderer: THREE.WebGLRenderer;
  private scene = new THREE.Scene();
  private camera: THREE.PerspectiveCamera;
  private controls: OrbitControls;
  private atoms: THREE.InstancedMesh | null = null;
  private bonds: THREE.InstancedMesh | null = null;
  private bondList: SceneBond[] = [];
  private radii: number[] = [];
  private elements: string[] = [];
  private positions = new Float32Array(0);
  private needsRender = true;
  private disposed = false;
  /** Distance the camera eases to, so the view follows a trajectory that shrinks from noise. */
  private targetDistance = 12;
  autoFrame = true;
  private userZoomed = false;

  constructor(private canvas: HTMLCanvasElement) {
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, alpha: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.camera = new THREE.PerspectiveCamera(40, 1, 0.1, 500);
    this.camera.position.set(0, 0, this.targetDistance);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', () => (this.needsRender = true));
    canvas.addEventListener('wheel', () => (this.userZoomed = true), { passive: true });
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x445566, 1.6));
    const key = new THREE.DirectionalLight(0xffffff, 1.8);
    key.position.set(5, 8, 10);
    this.camera.add(key); // the light follows the camera, so the lit side always faces the viewer
    this.scene.add(this.camera);
  }

  setBackground(color: string | null): void {
    this.scene.background = color ? new THREE.Color(color) : null;
    this.needsRender = true;
  }

  /** Defines the molecule: elements per atom and the bonds of its 2D graph. */
  setMolecule(elements: string[], bonds: SceneBond[]): void {
    this.clearMeshes();
    const n = elements.length;
    this.radii = elements.map(ballRadius);
    this.elements = elements;
    const sphere = new THREE.SphereGeometry(1, 24, 16);
    const atomMat = new THREE.MeshStandardMaterial({ roughness: 0.45, metalness: 0.05 });
    this.atoms = new THREE.InstancedMesh(sphere, atomMat, Math.max(n, 1));
    this.atoms.count = n;
    const c = new THREE.Color();
    elements.forEach((el, i) => this.atoms!.setColorAt(i, c.set(color3D(el))));
    if (this.atoms.instanceColor) this.atoms.instanceColor.needsUpdate = true;
    this.scene.add(this.atoms);

    this.bondList = bonds;
    const cylinders = bonds.reduce((s, b) => s + sticks(b.order), 0);
    const cyl = new THREE.CylinderGeometry(1, 1, 1, 12, 1, true);
    const bondMat = new THREE.MeshStandardMaterial({ roughness: 0.5 });
    this.bonds = new THREE.InstancedMesh(cyl, bondMat, Math.max(cylinders, 1));
    this.bonds.count = cylinders;
    let k = 0;
    for (const b of bonds) {
      for (let m = 0; m < sticks(b.order); m++) this.bonds.setColorAt(k++, c.set(b.highlight ? '#ff3b8d' : '#9aa3ad'));
    }
    if (this.bonds.instanceColor) this.bonds.instanceColor.needsUpdate = true;
    this.scene.add(this.bonds);
    this.positions = new Float32Array(n * 3);
    this.userZoomed = false;
    this.needsRender = true;
  }

  /**
   * Colours the atoms (CSS colours, one per atom), e.g. by a per-atom quantity of the trajectory;
   * null restores the element (CPK) colours.
   */
  setAtomColours(colours: readonly string[] | null): void {
    if (!this.atoms) return;
    const c = new THREE.Color();
    this.elements.forEach((el, i) => this.atoms!.setColorAt(i, c.set(colours?.[i] ?? color3D(el))));
    if (this.atoms.instanceColor) this.atoms.instanceColor.needsUpdate = true;
    this.needsRender = true;
  }

  /** Writes one frame's coordinates ([atoms x 3], Å) into the instances, centred on their mean. */
  setPositions(xyz: ArrayLike<number>): void {
    const n = this.radii.length;
    if (!this.atoms || xyz.length < n * 3) return;
    let cx = 0, cy = 0, cz = 0;
    for (let i = 0; i < n; i++) {
      cx += xyz[i * 3];
      cy += xyz[i * 3 + 1];
      cz += xyz[i * 3 + 2];
    }
    cx /= n || 1;
    cy /= n || 1;
    cz /= n || 1;
    let r2 = 0;
    for (let i = 0; i < n; i++) {
      const x = xyz[i * 3] - cx, y = xyz[i * 3 + 1] - cy, z = xyz[i * 3 + 2] - cz;
      this.positions[i * 3] = x;
      this.positions[i * 3 + 1] = y;
      this.positions[i * 3 + 2] = z;
      r2 = Math.max(r2, x * x + y * y + z * z);
    }
    const m = new THREE.Matrix4();
    const q = new THREE.Quaternion();
    const s = new THREE.Vector3();
    const p = new THREE.Vector3();
    for (let i = 0; i < n; i++) {
      const r = this.radii[i];
      m.compose(p.set(this.positions[i * 3], this.positions[i * 3 + 1], this.positions[i * 3 + 2]), q.identity(), s.set(r, r, r));
      this.atoms.setMatrixAt(i, m);
    }
    this.atoms.instanceMatrix.needsUpdate = true;
    this.atoms.computeBoundingSphere();
    this.writeBonds();
    if (this.autoFrame && !this.userZoomed) {
      const radius = Math.sqrt(r2) + 1;
      this.targetDistance = Math.max(4, radius / Math.sin(THREE.MathUtils.degToRad(this.camera.fov / 2)));
    }
    this.needsRender = true;
  }

  private writeBonds(): void {
    if (!this.bonds) return;
    const pa = new THREE.Vector3();
    const pb = new THREE.Vector3();
    const dir = new THREE.Vector3();
    const side = new THREE.Vector3();
    const mid = new THREE.Vector3();
    const q = new THREE.Quaternion();
    const s = new THREE.Vector3();
    const m = new THREE.Matrix4();
    const view = new THREE.Vector3();
    let k = 0;
    for (const b of this.bondList) {
      pa.fromArray(this.positions, b.a * 3);
      pb.fromArray(this.positions, b.b * 3);
      dir.subVectors(pb, pa);
      const len = dir.length();
      dir.normalize();
      q.setFromUnitVectors(UP, len > 1e-6 ? dir : UP);
      const order = sticks(b.order);
      // Offset multiple bonds sideways, perpendicular to the bond and the view direction.
      view.subVectors(this.camera.position, pa).normalize();
      side.crossVectors(dir, view);
      if (side.lengthSq() < 1e-8) side.set(1, 0, 0);
      side.normalize();
      const radius = order === 1 ? BOND_RADIUS : BOND_RADIUS * 0.6;
      for (let j = 0; j < order; j++) {
        const off = order === 1 ? 0 : (j - (order - 1) / 2) * MULTI_OFFSET;
        mid.addVectors(pa, pb).multiplyScalar(0.5).addScaledVector(side, off);
        m.compose(mid, q, s.set(radius, len, radius));
        this.bonds.setMatrixAt(k++, m);
      }
    }
    this.bonds.instanceMatrix.needsUpdate = true;
    this.bonds.computeBoundingSphere();
  }

  resize(width: number, height: number): void {
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / Math.max(height, 1);
    this.camera.updateProjectionMatrix();
    this.needsRender = true;
  }

  resetView(): void {
    this.userZoomed = false;
    this.controls.reset();
    this.camera.position.set(0, 0, this.targetDistance);
    this.controls.target.set(0, 0, 0);
    this.controls.update();
    this.needsRender = true;
  }

  /** Eases the camera distance and renders if anything changed. Returns whether it rendered. */
  tick(): boolean {
    if (this.disposed) return false;
    const d = this.camera.position.distanceTo(this.controls.target);
    if (this.autoFrame && !this.userZoomed && Math.abs(d - this.targetDistance) > 0.02) {
      const next = d + (this.targetDistance - d) * 0.15;
      const offset = this.camera.position.clone().sub(this.controls.target).setLength(next);
      this.camera.position.copy(this.controls.target).add(offset);
      this.writeBonds();
      this.needsRender = true;
    }
    if (!this.needsRender) return false;
    this.needsRender = false;
    this.renderer.render(this.scene, this.camera);
    return true;
  }

  private clearMeshes(): void {
    for (const mesh of [this.atoms, this.bonds]) {
      if (!mesh) continue;
      this.scene.remove(mesh);
      mesh.geometry.dispose();
      (mesh.material as THREE.Material).dispose();
      mesh.dispose();
    }
    this.atoms = null;
    this.bonds = null;
  }

  dispose(): void {
    this.disposed = true;
    this.clearMeshes();
    this.controls.dispose();
    this.renderer.dispose();
  }
}
